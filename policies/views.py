"""Public pages of the catalogue: home, measure list, measure page; and the health check."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from .eligibility import find_document
from .lineage import lineage_sentences
from .models import Category, Measure, MeasureLink, MeasureUnit, PolicyDocument, ResponsibleUnit

# The catalogue page lists this many measures at a time: the seed plan's 70 fit on one page,
# and fifty documents of a hundred measures each do not make one page of 5,000 cards.
PAGE_SIZE = 100


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
    documents = list(PolicyDocument.objects.all())
    context = {
        "document": documents[0] if documents else None,
        "documents": documents,
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

    document = None
    document_param = request.GET.get("document", "")
    if document_param:
        document = find_document(document_param)
        if document:
            measures = measures.filter(document=document)
        else:
            notes.append("未找到该政策文件,已显示全部文件。")

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

    page = Paginator(measures, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "measures": page.object_list,
        "page": page,
        "query": query.urlencode(),
        "documents": PolicyDocument.objects.all(),
        "selected_document": document,
        "categories": Category.objects.all(),
        # Exists, not a join with distinct: with thousands of measures the join dominated the page.
        "units": ResponsibleUnit.objects.filter(
            Exists(MeasureUnit.objects.filter(unit=OuterRef("pk"), measure__is_draft=False))
        ),
        "selected_category": category,
        "selected_unit": unit,
        "status": status if status in ("in_force", "expired") else "",
        "number": number,
        "notes": notes,
        "today": today,
    }
    # A malformed filter is the client's error (400), but the page still lists the measures with a
    # note naming the filter, so a person following a stale link is not left with nothing.
    return render(request, "policies/measure_list.html", context, status=400 if notes else 200)


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A document's page is the catalogue filtered to it."""
    document = PolicyDocument.objects.filter(pk=pk).first()
    if document is None:
        raise Http404("没有这个政策文件")
    return redirect(f"{reverse('policies:measure_list')}?document={document.pk}")


def _detail_queryset() -> object:
    published_links = MeasureLink.objects.filter(measure__is_draft=False)
    return Measure.objects.public_listing().prefetch_related(
        "deadlines",
        Prefetch(
            "successor_links",
            queryset=MeasureLink.objects.select_related("successor__document").order_by("date", "id"),
        ),
        Prefetch(
            "predecessor_links",
            queryset=published_links.select_related("measure__document").order_by("date", "id"),
        ),
    )


def _render_measure(request: HttpRequest, measure: Measure) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "policies/measure_detail.html",
        {
            "measure": measure,
            "in_force": measure.in_force(),
            "today": today,
            "lineage": lineage_sentences(measure, today),
        },
    )


def measure_detail(request: HttpRequest, number: int) -> HttpResponse:
    """/measures/<n>/: the seed plan's measure n (its address since 2022).

    When no document keeps these addresses but exactly one document has a measure n, the old
    link is sent there rather than left dead.
    """
    measure = _detail_queryset().numbered(number).first()
    if measure is None:
        candidates = list(Measure.objects.published().select_related("document").filter(number=number)[:2])
        if len(candidates) == 1:
            return redirect(candidates[0].get_absolute_url(), permanent=True)
        raise Http404("没有这条政策措施")
    return _render_measure(request, measure)


def document_measure(request: HttpRequest, document: int, number: int) -> HttpResponse:
    """/documents/<id>/measures/<n>/: measure n of any document (the seed's redirect to /measures/<n>/)."""
    measure = _detail_queryset().filter(document=document, number=number).first()
    if measure is None:
        raise Http404("没有这条政策措施")
    if request.path != measure.get_absolute_url():
        return redirect(measure.get_absolute_url(), permanent=True)
    return _render_measure(request, measure)


_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def industry_options(request: HttpRequest) -> HttpResponse:
    """The industries matching what was typed in an industry picker (htmx), as radio buttons.

    The picker sends its own value under its field name (``?field=industry&industry=机械``);
    ``q`` works too, for a plain link. The catalogue is public, so no login is needed.
    """
    from .industry_picker import find_industries

    field = request.GET.get("field", "")
    field = field if _FIELD_NAME.match(field) else "industry"
    text = request.GET.get(field) or request.GET.get("q") or ""
    lookup = find_industries(text)
    context = {
        "candidates": lookup.candidates,
        "picked": lookup.exact.code if lookup.exact else "",
        "text": lookup.text,
        "pick_name": f"{field}_pick",
        "options_id": f"id_{field}-options",
    }
    return render(request, "policies/_industry_options.html", context)
