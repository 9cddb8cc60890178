"""The self-check's answers and receipts.

The rules and the screening come from the policies app's adapter (policies/screening.py). This
module adds what the browser side needs around it: the rules as one request sees them, the
answer enriched with each measure's catalogue details (so a receipt is self-contained), the
questions that would settle the open measures, and saving a receipt.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from enterprises.selfcheck.forms import STEPS, UNKNOWN_LABEL, profile_name
from enterprises.selfcheck.models import Receipt
from policies import screening
from policies.engine import INFORMATIONAL, NEEDS_INFO, PROFILE_FIELDS, RuleSet
from policies.models import Measure, MeasureUnit, PolicyDocument

# --- the rules in force ---------------------------------------------------------------------


@dataclass
class Rules:
    """The published rules as one request sees them, with the open questions of each profile memoised.

    A questionnaire page asks "which questions are still open?" for several variants of the
    profile (one per step); loading the rules once per request keeps that to one lookup.
    """

    ruleset: RuleSet
    version: str
    _open: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def current(cls) -> Rules:
        return cls(*screening.current_rules())

    def open_fields(self, profile: dict[str, Any]) -> frozenset[str]:
        """Unknown fields whose answer could still change some result."""
        key = json.dumps(profile, sort_keys=True, ensure_ascii=False)
        found = self._open.get(key)
        if found is None:
            found = self._open[key] = frozenset(screening.screen_profile(profile, self.ruleset).open_fields())
        return found


# --- the answer a receipt stores -------------------------------------------------------------


def answer_for(profile: dict[str, Any], ruleset: RuleSet) -> dict[str, Any]:
    """The contract's answer, each result extended with what the result page shows."""
    checked = screening.screen_profile(profile, ruleset)
    answer = checked.as_dict()
    catalogue = _catalogue({(r.document, r.measure) for r in checked.results if r.status != INFORMATIONAL})
    expired = {(r.document, r.measure) for r in checked.results if not r.in_force}
    successors = _successors(expired)
    for result, detail in zip(answer["results"], checked.results):
        result["criteria"] = [
            {"outcome": r.outcome, "text": r.text, "decisive": r.decisive, "fields": list(r.fields)}
            for r in detail.reasons
        ]
        result["notes"] = list(detail.notes)
        for deadline, found in zip(result["deadlines"], detail.deadlines):
            deadline["applies"] = found.applies
        key = (detail.document, detail.measure)
        result["catalogue"] = catalogue.get(key, {})
        if key in successors:
            # Shown instead of a bare 已失效: where the measure went, and when this one ended.
            result["measure_valid_until"], result["successors"] = successors[key]
    documents = document_summaries(checked.as_of)
    # "document" is the first document, which receipts made before there were several relied on.
    answer["document"] = (
        {"number": documents[0]["number"], "title": documents[0]["title"]} if documents else {}
    )
    answer["documents"] = documents
    return answer


def document_summaries(as_of: Any) -> list[dict[str, Any]]:
    """Every document with its period and whether it was in force on ``as_of`` (for the receipt)."""
    return [
        {
            "number": d.number,
            "title": d.title,
            "id": d.pk,
            "legacy_urls": d.legacy_urls,
            "valid_from": d.valid_from.isoformat() if d.valid_from else None,
            "valid_until": d.valid_until.isoformat() if d.valid_until else None,
            "in_force": d.in_force(as_of),
        }
        for d in PolicyDocument.objects.order_by("id")
    ]


def _successors(keys: set[tuple[str, int]]) -> dict[tuple[str, int], tuple[str | None, list[dict[str, Any]]]]:
    """(valid_until, published successors (延续/调整/替代)) of these measures, keyed like the results."""
    if not keys:
        return {}
    from policies.lineage import successors_of

    numbers = {number for _, number in keys}
    rows = (
        Measure.objects.published()
        .filter(number__in=numbers, successor_links__isnull=False)
        .values_list("pk", "document__number", "number", "valid_until")
        .distinct()
    )
    ids = {(doc, number): (pk, until) for pk, doc, number, until in rows if (doc, number) in keys}
    found = successors_of(pk for pk, _ in ids.values())
    return {
        key: (until.isoformat() if until else None, found[pk])
        for key, (pk, until) in ids.items()
        if pk in found
    }


def _catalogue(keys: set[tuple[str, int]]) -> dict[tuple[str, int], dict[str, Any]]:
    """What the result page shows of these published measures, copied into the receipt.

    Keyed by (文号, number). Only checkable measures get a card on the result page;
    informational ones are listed with their title and units, which the answer already holds,
    so nothing is copied for them.
    """
    delivery_labels = dict(Measure.DELIVERY_CHOICES)
    numbers = {number for _, number in keys}
    fields = ["pk", "document__number", "number", "delivery", "how_to_apply", "apply_url", "summary"]
    fields += ["valid_from", "valid_until"]
    out: dict[tuple[str, int], dict[str, Any]] = {}
    pks: dict[int, tuple[str, int]] = {}
    for row in Measure.objects.published().filter(number__in=numbers).values(*fields):
        key = (row.pop("document__number"), row.pop("number"))
        pk = row.pop("pk")
        if key not in keys:
            continue
        pks[pk] = key
        out[key] = {
            **row,
            "delivery_label": delivery_labels.get(row["delivery"], ""),
            "valid_from": row["valid_from"].isoformat() if row["valid_from"] else None,
            "valid_until": row["valid_until"].isoformat() if row["valid_until"] else None,
            "units": [],
        }
    units = (
        MeasureUnit.objects.filter(measure_id__in=pks)
        .order_by("measure__document_id", "measure__number", "position", "id")
        .values_list("measure_id", "unit__name", "unit__phone")
    )
    for pk, name, phone in units:
        out[pks[pk]]["units"].append({"name": name, "phone": phone})
    return out


@transaction.atomic
def save_receipt(profile: dict[str, Any], rules: Rules | None = None) -> Receipt:
    """Screen a profile with the published rules and keep the answer under a permanent link."""
    ruleset, version = (rules.ruleset, rules.version) if rules else screening.current_rules()
    valid = screening.check_profile(profile)
    stored = valid.as_dict()  # as_of filled in when absent, so the receipt names its day
    answer = answer_for(stored, ruleset)
    return Receipt.objects.create(profile=stored, as_of=valid.as_of, rules_version=version, answer=answer)


# --- what is still open ----------------------------------------------------------------------


def settle_counts(answer: dict[str, Any]) -> Counter:
    """For each missing field, how many measures still 需补充信息 it would help settle."""
    counts: Counter = Counter()
    for result in answer.get("results", []):
        if result["status"] == NEEDS_INFO:
            counts.update(result.get("missing", []))
    return counts


def questions_for_missing(answer: dict[str, Any], profile: dict[str, Any]) -> list[str]:
    """The questionnaire fields asking for the missing profile fields, in questionnaire order.

    A missing industry is asked at the next level down: the section when none is known, else
    the division (or group) within the known section.
    """
    missing = set(settle_counts(answer))
    has_section = bool(profile.get("industry"))
    asked: list[str] = []
    for step in STEPS:
        for name in step.fields:
            if name == "as_of" or profile_name(name) not in missing:
                continue
            if name == "industry_section" and has_section or name == "industry_detail" and not has_section:
                continue
            asked.append(name)
    return asked


def answer_text(name: str, profile: dict[str, Any]) -> str:
    """A stored answer in words, e.g. ``150万元``, ``是``, ``不清楚``."""
    target = "industry" if name.startswith("industry") else name
    value = profile.get(target)
    if value is None:
        return UNKNOWN_LABEL
    if target == "industry":
        from enterprises.selfcheck.steps import industry_label

        return industry_label(value)
    if target == "equipment":
        return f"{len(value)}台" if value else "没有"
    spec = PROFILE_FIELDS[target]
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "date":
        return str(value)
    return spec.value_text(value)
