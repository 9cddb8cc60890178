"""Lineage: which later documents' measures extend (延续), amend (调整) or replace (废止/替代) a measure.

Links are rows of ``MeasureLink`` on the earlier measure. This module puts them into words for
the measure page and into plain data for the API and the result receipts.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from .models import Measure, MeasureLink

KIND_WORDS = {"extends": "延续政策", "amends": "调整政策", "replaces": "替代政策"}
KIND_VERBS = {"extends": "延续", "amends": "调整", "replaces": "废止并替代"}


def cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def successor_sentence(
    valid_until: datetime.date | None, links: list[dict[str, Any]], today: datetime.date
) -> str:
    """本条已于2022年12月31日到期;延续政策:《…》(文号)第N条,执行至…(…起)."""
    head = f"本条已于{cn_date(valid_until)}到期;" if valid_until and valid_until < today else ""
    parts = []
    for link in links:
        until = link["valid_until"]
        until_text = f",执行至{cn_date(_day(until))}" if until else ",长期有效"
        parts.append(
            f"{KIND_WORDS[link['kind']]}:{link['reference']}{until_text}({cn_date(_day(link['date']))}起)"
        )
    return head + ";".join(parts)


def _day(value: datetime.date | str) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def link_data(link: MeasureLink) -> dict[str, Any]:
    successor = link.successor
    return {
        "kind": link.kind,
        "kind_label": link.get_kind_display(),
        "date": link.date.isoformat(),
        "document": successor.document.number,
        "document_title": successor.document.title,
        "number": successor.number,
        "title": successor.title,
        "reference": successor.reference,
        "valid_from": successor.valid_from.isoformat() if successor.valid_from else None,
        "valid_until": successor.valid_until.isoformat() if successor.valid_until else None,
        "url": successor.get_absolute_url(),
    }


def lineage_sentences(measure: Measure, today: datetime.date) -> list[str]:
    """The measure's lineage in words, both ways (uses prefetched links when present)."""
    out = []
    successors = [link_data(link) for link in measure.successor_links.all() if not link.successor.is_draft]
    if successors:
        out.append(successor_sentence(measure.valid_until, successors, today) + "。")
    for link in measure.predecessor_links.all():
        if link.measure.is_draft:
            continue
        out.append(f"本条{KIND_VERBS[link.kind]}{link.measure.reference}({cn_date(link.date)}起)。")
    return out


def successors_of(measure_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """For each of these published measures, its published successors as plain data."""
    out: dict[int, list[dict[str, Any]]] = {}
    links = (
        MeasureLink.objects.filter(measure_id__in=list(measure_ids), successor__is_draft=False)
        .select_related("successor__document")
        .order_by("measure_id", "date", "id")
    )
    for link in links:
        out.setdefault(link.measure_id, []).append(link_data(link))
    return out


def predecessors_of(measure_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """For each of these published measures, the published measures it extends, amends or replaces."""
    out: dict[int, list[dict[str, Any]]] = {}
    links = (
        MeasureLink.objects.filter(successor_id__in=list(measure_ids), measure__is_draft=False)
        .select_related("measure__document")
        .order_by("successor_id", "date", "id")
    )
    for link in links:
        earlier = link.measure
        out.setdefault(link.successor_id, []).append(
            {
                "kind": link.kind,
                "kind_label": link.get_kind_display(),
                "date": link.date.isoformat(),
                "document": earlier.document.number,
                "number": earlier.number,
                "title": earlier.title,
                "url": earlier.get_absolute_url(),
            }
        )
    return out
