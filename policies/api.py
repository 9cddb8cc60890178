"""Catalogue endpoints: GET /api/v1/documents, GET /api/v1/measures and GET /api/v1/measures/{number}.

Several documents: every measure names its document (`document`, the 文号); `?document=` (a
文号 or a document id) restricts the list and chooses the document of a number. Without it a
number means the seed plan's measure, as it did when the plan was the only document.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Router, Schema, Status

from .eligibility import find_document
from .lineage import predecessors_of, successors_of
from .models import Measure, PolicyDocument

router = Router(tags=["政策措施"])


class DeadlineOut(Schema):
    date: datetime.date
    label: str


class MeasureOut(Schema):
    number: int
    document: str
    title: str
    category: str
    responsible_units: list[str]
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    url: str


class LinkOut(Schema):
    kind: str  # extends 延续 | amends 调整 | replaces 废止/替代
    kind_label: str
    date: datetime.date
    document: str
    number: int
    title: str
    url: str


class MeasureDetailOut(MeasureOut):
    text: str
    summary: str
    deadlines: list[DeadlineOut]
    # Present only when the measure has lineage links, so a measure without any answers as before.
    successors: list[LinkOut] | None = None
    predecessors: list[LinkOut] | None = None


class DocumentOut(Schema):
    id: int
    number: str
    title: str
    issuer: str
    issued_on: datetime.date
    valid_from: datetime.date
    valid_until: datetime.date | None
    measure_count: int
    url: str


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


def _unknown_document(value: str) -> Status:
    # 404: the query is well-formed, the document it names is simply not in the catalogue.
    return Status(
        404, {"errors": [{"field": "document", "message": f"没有文号或编号为“{value[:60]}”的政策文件。"}]}
    )


def _measure_data(request: HttpRequest, measure: Measure) -> dict:
    return {
        "number": measure.number,
        "document": measure.document.number,
        "title": measure.title,
        "category": measure.category.name,
        "responsible_units": measure.unit_names(),
        "valid_from": measure.valid_from,
        "valid_until": measure.valid_until,
        "url": request.build_absolute_uri(measure.get_absolute_url()),
    }


@router.get(
    "/documents", response=list[DocumentOut], summary="所有政策文件(文号、标题、执行期、已发布措施数)"
)
def list_documents(request: HttpRequest) -> list[dict]:
    documents = PolicyDocument.objects.annotate(
        published=Count("measure", filter=Q(measure__is_draft=False))
    ).order_by("id")
    return [
        {
            "id": d.pk,
            "number": d.number,
            "title": d.title,
            "issuer": d.issuer,
            "issued_on": d.issued_on,
            "valid_from": d.valid_from,
            "valid_until": d.valid_until,
            "measure_count": d.published,
            "url": request.build_absolute_uri(d.get_absolute_url()),
        }
        for d in documents
    ]


@router.get(
    "/measures",
    response={200: list[MeasureOut], 404: ErrorOut},
    summary="所有已发布的政策措施(可用 ?document= 限定文件)",
)
def list_measures(request: HttpRequest, document: str = "") -> Status:
    measures = Measure.objects.public_listing()
    if document:
        found = find_document(document)
        if found is None:
            return _unknown_document(document)
        measures = measures.filter(document=found)
    return Status(200, [_measure_data(request, m) for m in measures])


@router.get(
    "/measures/{number}",
    response={200: MeasureDetailOut, 404: ErrorOut},
    summary="单条政策措施的原文、解读、截止日期和沿革(?document= 指定文件,默认为首个文件)",
    exclude_unset=True,
)
def get_measure(request: HttpRequest, number: str, document: str = "") -> Status:
    found = None
    if document:
        found = find_document(document)
        if found is None:
            return _unknown_document(document)
    # A path that is not a plausible number is simply an unknown measure (404), never a DB error.
    measure = None
    if number.isascii() and number.isdigit() and len(number) <= 9:
        measure = (
            Measure.objects.public_listing()
            .prefetch_related("deadlines")
            .numbered(int(number), found)
            .first()
        )
    if measure is None:
        where = found.number if found else ""
        return Status(
            404, {"errors": [{"field": "number", "message": f"{where}没有序号为{number}的已发布政策措施。"}]}
        )
    data = _measure_data(request, measure)
    data.update(
        text=measure.text,
        summary=measure.summary,
        deadlines=[{"date": d.date, "label": d.label} for d in measure.deadlines.all()],
    )
    for key, links in (
        ("successors", successors_of([measure.pk]).get(measure.pk)),
        ("predecessors", predecessors_of([measure.pk]).get(measure.pk)),
    ):
        if links:
            data[key] = [
                {k: link[k] for k in ("kind", "kind_label", "date", "document", "number", "title")}
                | {"url": request.build_absolute_uri(link["url"])}
                for link in links
            ]
    return Status(200, data)
