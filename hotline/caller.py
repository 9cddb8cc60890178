"""Check for a caller: run the eligibility engine on the few answers an agent collected by phone.

The screening and the receipt are the self-check's own (enterprises.selfcheck.receipts), so the link the
agent reads out opens the same permanent result page an enterprise gets from the questionnaire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policies.engine import ELIGIBLE, INELIGIBLE, NEEDS_INFO

if TYPE_CHECKING:
    from enterprises.models import Receipt


@dataclass
class CheckOutcome:
    receipt: Receipt | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    as_of_note: str = ""


def check(profile: dict[str, Any]) -> CheckOutcome:
    """Screen the caller's answers and keep the result under a permanent link.

    The day is the self-check's default: today, moved into the plan's period when today lies
    outside it, so a caller hears what the plan gave rather than "expired" everywhere.
    """
    from enterprises.selfcheck.receipts import save_receipt
    from enterprises.selfcheck.steps import default_as_of
    from policies.engine import ProfileError

    as_of = default_as_of()
    note = f"今天不在政策执行期内,按{as_of.date:%Y年%m月%d日}评估。" if as_of.clamped else ""
    try:
        receipt = save_receipt({**profile, "as_of": as_of.date.isoformat()})
    except ProfileError as exc:
        return CheckOutcome(errors=list(exc.errors))
    return CheckOutcome(receipt=receipt, as_of_note=note)


@dataclass
class ScriptItem:
    """One measure the caller can get, in the words the agent reads out."""

    number: int
    title: str
    amount: str
    basis: str
    prepare: str
    contacts: list[str]
    deadline: str


@dataclass
class CallerScript:
    """What to read out: what the caller can get, what to prepare, whom to call."""

    eligible: list[ScriptItem]
    needs_info: int
    ineligible: int


def _amount(estimate: dict[str, Any] | None) -> str:
    if not estimate or estimate.get("amount_yuan") is None:
        return ""
    yuan = float(estimate["amount_yuan"])
    text = f"约{yuan / 10000:,.2f}".rstrip("0").rstrip(".") + "万元" if yuan >= 10000 else f"约{yuan:,.0f}元"
    return ("最高" + text[1:]) if estimate.get("kind") == "cap" else text


def script_for(answer: dict[str, Any]) -> CallerScript:
    """The short script of a screening answer (the receipt's), eligible measures in plan order."""
    items: list[ScriptItem] = []
    counts = {NEEDS_INFO: 0, INELIGIBLE: 0}
    for result in answer.get("results", []):
        status = result.get("status")
        if status in counts:
            counts[status] += 1
        if status != ELIGIBLE:
            continue
        catalogue = result.get("catalogue") or {}
        units = catalogue.get("units") or [
            {"name": n, "phone": ""} for n in result.get("responsible_units", [])
        ]
        upcoming = [d for d in result.get("deadlines", []) if d.get("applies", True)]
        items.append(
            ScriptItem(
                number=result["measure"],
                title=result["title"],
                amount=_amount(result.get("estimate")),
                basis=(result.get("estimate") or {}).get("basis") or "",
                prepare=catalogue.get("how_to_apply") or catalogue.get("delivery_label") or "",
                contacts=[f"{u['name']} {u['phone']}".strip() for u in units],
                deadline=f"{upcoming[0]['date']} {upcoming[0]['label']}" if upcoming else "",
            )
        )
    return CallerScript(eligible=items, needs_info=counts[NEEDS_INFO], ineligible=counts[INELIGIBLE])
