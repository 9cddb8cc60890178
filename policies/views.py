"""Public pages of the catalogue: home, measure list, measure page; and the health check."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from .models import Category, Measure, PolicyDocument, ResponsibleUnit


def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the database answers, 503 otherwise (for compose and load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    measures = Measure.objects.published()
    context = {
        "document": PolicyDocument.objects.first(),
        "measure_count": measures.count(),
        "categories": Category.objects.annotate(
            published=Count("measures", filter=Q(measures__is_draft=False))
        ).filter(published__gt=0),
    }
    return render(request, "policies/home.html", context)


_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def measure_list(request: HttpRequest) -> HttpResponse:
    """List published measures, filtered by category, unit, validity and number.

    Malformed filter values are ignored with a note rather than failing, so a hand-edited or
    stale link still shows a page.
    """
    today = timezone.localdate()
    measures = Measure.objects.public_listing()
    notes: list[str] = []

    category_param = request.GET.get("category", "")
    # Only a well-formed slug reaches the database: PostgreSQL refuses NUL characters (a 500).
    category = (
        Category.objects.filter(slug=category_param).first() if _SLUG.fullmatch(category_param) else None
    )
    if category:
        measures = measures.filter(category=category)
    elif request.GET.get("category"):
        notes.append("未找到该类别,已显示全部类别。")

    unit = None
    unit_param = request.GET.get("unit", "")
    if unit_param:
        # str.isdigit() accepts "²" and "١", which int() refuses; and a huge number overflows the
        # database's integer: ASCII digits only, at most nine of them.
        well_formed = unit_param.isascii() and unit_param.isdigit() and len(unit_param) <= 9
        unit = ResponsibleUnit.objects.filter(pk=int(unit_param)).first() if well_formed else None
        if unit:
            measures = measures.filter(units=unit)
        else:
            notes.append("未找到该责任单位,已显示全部单位。")

    status = request.GET.get("status", "")
    if status == "in_force":
        measures = measures.in_force(today)
    elif status == "expired":
        measures = measures.expired(today)
    elif status:
        notes.append("有效状态只能是“有效”或“已失效”,已显示全部。")

    number = request.GET.get("number", "").strip().lstrip("第").rstrip("条").strip()
    if number:
        if number.isascii() and number.isdigit() and len(number) <= 9:
            measures = measures.filter(number=int(number))
        else:
            notes.append("条款序号应为数字,例如 12。")

    context = {
        "measures": measures,
        "categories": Category.objects.all(),
        "units": ResponsibleUnit.objects.filter(measures__is_draft=False).distinct(),
        "selected_category": category,
        "selected_unit": unit,
        "status": status if status in ("in_force", "expired") else "",
        "number": number,
        "notes": notes,
        "today": today,
    }
    return render(request, "policies/measure_list.html", context)


def measure_detail(request: HttpRequest, number: int) -> HttpResponse:
    measure = (
        Measure.objects.public_listing().prefetch_related("deadlines").filter(number=number).first()
    )
    if measure is None:
        raise Http404("没有这条政策措施")
    return render(
        request,
        "policies/measure_detail.html",
        {"measure": measure, "in_force": measure.in_force(), "today": timezone.localdate()},
    )
