"""The one-screen summary at the top of a result page, and what each card shows by default.

A result page lists every measure; a person first wants to know what the enterprise can get,
how much, by when, and what is automatic. This module computes that from the receipt's stored
answer only (so the summary explains the answer as it was given), plus the card details that
keep a long page short: the decisive reasons first, deadlines already past on the evaluation
day, "只差一项" advice only where the enterprise can act, and a link to the size explanation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from enterprises.selfcheck import advice
from policies.engine import ELIGIBLE, INELIGIBLE, INFORMATIONAL, NEEDS_INFO
from policies.models import SizeStandard

# Estimate kinds that are money the enterprise keeps or receives; a deduction lowers taxable
# income and is not money in hand, so adding it to the others would overstate the total.
MONEY_KINDS = ("tax_saving", "refund", "subsidy", "cap")

# Criterion texts that state a size verdict ("按留抵退税企业规模标准为中型企业", "属制造业中型企业",
# "符合小型微利企业标准"); each gets a link to the explanation of why the verdicts differ.
SIZE_MARKERS = ("规模标准", "企业标准", "型企业", "企业规模")


def is_size_verdict(text: str) -> bool:
    return any(marker in text for marker in SIZE_MARKERS)


@dataclass
class Summary:
    eligible: int = 0
    automatic: int = 0
    application: int = 0
    closed: int = 0  # eligible, but every deadline of theirs was past on the evaluation day
    money_yuan: int = 0
    cap_count: int = 0
    deduction_yuan: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)
    nearest: dict[str, Any] | None = None
    needs_info: int = 0
    ineligible: int = 0
    informational: int = 0

    @property
    def money_text(self) -> str:
        from enterprises.selfcheck.presentation import yuan_text  # presentation imports this module

        return yuan_text(self.money_yuan)

    @property
    def deduction_text(self) -> str:
        from enterprises.selfcheck.presentation import yuan_text

        return yuan_text(self.deduction_yuan)


def card_extras(result: dict[str, Any]) -> dict[str, Any]:
    """What a card shows beyond the stored result: reasons split, closing, advice, size links."""
    criteria = [{**c, "size_verdict": is_size_verdict(c["text"])} for c in result.get("criteria", [])]
    deadlines = result.get("deadline_view", [])
    ahead = [d for d in deadlines if not d["passed"]]
    closed = result["status"] == ELIGIBLE and bool(deadlines) and not ahead
    return {
        "decisive_criteria": [c for c in criteria if c["decisive"]],
        "other_criteria": [c for c in criteria if not c["decisive"]],
        "criteria": criteria,
        "closed": closed,
        "next_deadline": ahead[0] if ahead else None,
        "advice": advice.for_result(result),
        "mentions_size": any(c["size_verdict"] for c in criteria),
    }


def summarise(results: list[dict[str, Any]], as_of: datetime.date) -> Summary:
    """Counts, money, the nearest deadline, of the measures in force on the evaluation day."""
    summary = Summary()
    for r in results:
        if not r["in_force"]:
            continue
        status = r["status"]
        if status == NEEDS_INFO:
            summary.needs_info += 1
        elif status == INELIGIBLE:
            summary.ineligible += 1
        elif status == INFORMATIONAL:
            summary.informational += 1
        if status not in (ELIGIBLE, NEEDS_INFO):
            continue
        for d in r.get("deadline_view", []):
            if d["passed"]:
                continue
            if summary.nearest is None or d["date"] < summary.nearest["date"]:
                summary.nearest = {**d, "measure": r["measure"], "title": r["title"], "status": status}
        if status != ELIGIBLE:
            continue
        summary.eligible += 1
        if r.get("closed"):
            summary.closed += 1
        delivery = r.get("catalogue", {}).get("delivery")
        if delivery == "automatic":
            summary.automatic += 1
        elif delivery == "application":
            summary.application += 1
        estimate = r.get("estimate")
        if not estimate:
            continue
        item = {
            "measure": r["measure"],
            "title": r["title"],
            "kind": estimate["kind"],
            "amount": r["estimate_view"]["amount"],
            "cap": estimate["kind"] == "cap",
            "closed": bool(r.get("closed")),
        }
        summary.items.append(item)
        if estimate["kind"] in MONEY_KINDS:
            summary.money_yuan += estimate["amount_yuan"]
            summary.cap_count += estimate["kind"] == "cap"
        elif estimate["kind"] == "deduction":
            summary.deduction_yuan += estimate["amount_yuan"]
    if summary.nearest is not None:
        summary.nearest["days"] = (summary.nearest["date"] - as_of).days
    return summary


def reminder_deadlines(profile: dict[str, Any], today: datetime.date) -> list[dict[str, Any]]:
    """The deadlines a reminder subscription made from this result would remind, soonest first.

    Asked of the reminders themselves (``upcoming_reminders``: current rules, deadlines from
    today on), so the page promises exactly what will be sent; each with its sending days.
    """
    from enterprises.reminders.planning import (
        upcoming_reminders,  # the reminders import the engine; load on use
    )

    found: dict[tuple, dict[str, Any]] = {}
    for r in upcoming_reminders(profile, today):
        key = (r.deadline, r.measure, r.label)
        entry = found.setdefault(
            key, {"date": r.deadline, "measure": r.measure, "title": r.title, "label": r.label, "send_on": []}
        )
        entry["send_on"].append(r.send_on)
    return [found[key] for key in sorted(found)]


def calendar_deadlines(results: list[dict[str, Any]], as_of: datetime.date) -> list[dict[str, Any]]:
    """The deadlines of a result from its evaluation day on, for measures that apply or may apply
    (可享受, 需补充信息): the calendar file's events, taken from the receipt itself."""
    found = []
    for r in results:
        if not r["in_force"] or r["status"] not in (ELIGIBLE, NEEDS_INFO):
            continue
        for d in r.get("deadline_view", []):
            if d["date"] >= as_of:
                found.append({**d, "measure": r["measure"], "title": r["title"], "status": r["status"]})
    return sorted(found, key=lambda d: (d["date"], d["measure"]))


def size_standards() -> list[dict[str, str]]:
    """The size standards the rules use, with their sources, as officials maintain them."""
    seen: dict[str, dict[str, str]] = {}
    for standard in SizeStandard.objects.order_by("key", "-valid_from"):
        seen.setdefault(standard.key, {"key": standard.key, "name": standard.name, "source": standard.source})
    return list(seen.values())
