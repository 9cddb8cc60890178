"""Check for a caller: run the eligibility engine on the few answers an agent collected by phone.

The screening and the receipt are the self-check's own (enterprises.screening), so the link the
agent reads out opens the same permanent result page an enterprise gets from the questionnaire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    from enterprises.screening import save_receipt
    from enterprises.selfcheck import default_as_of
    from policies.engine import ProfileError

    as_of = default_as_of()
    note = f"今天不在政策执行期内,按{as_of.date:%Y年%m月%d日}评估。" if as_of.clamped else ""
    try:
        receipt = save_receipt({**profile, "as_of": as_of.date.isoformat()})
    except ProfileError as exc:
        return CheckOutcome(errors=list(exc.errors))
    return CheckOutcome(receipt=receipt, as_of_note=note)
