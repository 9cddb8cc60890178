"""Catalogue endpoints: GET /api/v1/measures and GET /api/v1/measures/{number}."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from .models import Measure

router = Router(tags=["政策措施"])


class DeadlineOut(Schema):
    date: datetime.date
    label: str


class MeasureOut(Schema):
    number: int
    title: str
    category: str
    responsible_units: list[str]
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    url: str


class MeasureDetailOut(MeasureOut):
    text: str
    summary: str
    deadlines: list[DeadlineOut]


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


def _measure_data(request: HttpRequest, measure: Measure) -> dict:
    return {
        "number": measure.number,
        "title": measure.title,
        "category": measure.category.name,
        "responsible_units": measure.unit_names(),
        "valid_from": measure.valid_from,
        "valid_until": measure.valid_until,
        "url": request.build_absolute_uri(measure.get_absolute_url()),
    }


@router.get("/measures", response=list[MeasureOut], summary="所有已发布的政策措施")
def list_measures(request: HttpRequest) -> list[dict]:
    return [_measure_data(request, m) for m in Measure.objects.public_listing()]


@router.get(
    "/measures/{number}",
    response={200: MeasureDetailOut, 404: ErrorOut},
    summary="单条政策措施的原文、解读和截止日期",
)
def get_measure(request: HttpRequest, number: str) -> Status:
    # A path that is not a plausible number is simply an unknown measure (404), never a DB error.
    measure = None
    if number.isascii() and number.isdigit() and len(number) <= 9:
        measure = (
            Measure.objects.public_listing().prefetch_related("deadlines").filter(number=int(number)).first()
        )
    if measure is None:
        return Status(404, {"errors": [{"field": "number", "message": f"没有序号为{number}的已发布政策措施。"}]})
    data = _measure_data(request, measure)
    data.update(
        text=measure.text,
        summary=measure.summary,
        deadlines=[{"date": d.date, "label": d.label} for d in measure.deadlines.all()],
    )
    return Status(200, data)
