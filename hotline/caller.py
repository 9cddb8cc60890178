"""Check for a caller: run the eligibility engine on the few answers an agent collected by phone."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from .answers import current_ruleset

logger = logging.getLogger(__name__)

STATUS_ORDER = {"eligible": 0, "needs_info": 1, "ineligible": 2, "informational": 3}


@dataclass
class CheckOutcome:
    results: list[dict[str, Any]] = field(default_factory=list)
    size: dict[str, Any] = field(default_factory=dict)
    as_of: str = ""
    receipt_url: str | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    unavailable: bool = False

    def by_status(self, status: str) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] == status]


def check(profile: dict[str, Any]) -> CheckOutcome:
    """Screen the caller's answers for today; save a receipt the caller can open later."""
    from policies.engine import ProfileError, screen, validate_profile

    ruleset = current_ruleset()
    if ruleset is None:
        return CheckOutcome(unavailable=True)
    try:
        validated = validate_profile({**profile, "as_of": timezone.localdate().isoformat()})
    except ProfileError as exc:
        return CheckOutcome(errors=list(exc.errors))
    screening = screen(validated, ruleset)
    answer = screening.as_dict()
    results = sorted(
        (r for r in answer["results"] if r["status"] != "informational"),
        key=lambda r: (STATUS_ORDER.get(r["status"], 9), r["measure"]),
    )
    return CheckOutcome(
        results=results,
        size=answer["size"],
        as_of=answer["as_of"],
        receipt_url=save_receipt(profile, screening, answer),
    )


def save_receipt(profile: dict[str, Any], screening: Any, answer: dict[str, Any]) -> str | None:
    """Store the result as a self-check receipt and return its link path."""
    from enterprises.models import Receipt

    receipt = Receipt.objects.create(
        profile=profile,
        as_of=screening.as_of,
        rules_version=_rules_version(),
        answer=answer,
    )
    return receipt.get_absolute_url()


def _rules_version() -> str:
    try:
        from policies.rules_loader import rules_version
    except ImportError:
        return ""
    return rules_version()
