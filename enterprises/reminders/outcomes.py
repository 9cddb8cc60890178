"""What reminders need of a screening: each measure's outcome for one stored profile on one day.

Reminders are always judged by the rules published at the moment of sending, for the day of
sending, so a profile stored months ago is re-screened every time (the stored `as_of` is not
kept); the screening is the policies app's (policies/screening.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from policies import screening
from policies.engine import PROFILE_FIELDS, MeasureResult, RuleSet


@dataclass(frozen=True)
class Outcome:
    """One measure's result for one profile, as far as reminders need it."""

    status: str
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    # (date, label) of every deadline that may apply -> True (applies) or None (depends on
    # facts still unknown). Deadlines whose condition is false for the profile are absent.
    deadlines: dict[tuple[datetime.date, str], bool | None]

    @classmethod
    def from_result(cls, result: MeasureResult) -> Outcome:
        return cls(
            status=result.status,
            reasons=tuple(r.text for r in result.reasons if r.decisive) + tuple(result.notes),
            missing=tuple(result.missing),
            deadlines={(d.date, d.label): d.applies for d in result.deadlines},
        )

    def deadline_applies(self, date: datetime.date, label: str) -> bool | None:
        """True, None (unknown: the enterprise should check) or False for one deadline."""
        if (date, label) in self.deadlines:
            return self.deadlines[(date, label)]
        # A label edited since the rules were built still names the same date.
        same_day = [applies for (day, _), applies in self.deadlines.items() if day == date]
        return same_day[0] if same_day else False


def measure_key(measure: Any) -> tuple[str, int]:
    """How `evaluate` keys a measure: (文号, number), since numbers repeat across documents."""
    return (measure.document.number, measure.number)


def evaluate(
    ruleset: RuleSet, profile: dict[str, Any], today: datetime.date
) -> dict[tuple[str, int], Outcome]:
    """Screen a stored profile for `today`; return each measure's outcome by (文号, number)."""
    screened = screening.screen_on(profile, today, ruleset)
    return {(result.document, result.measure): Outcome.from_result(result) for result in screened.results}


def field_label(name: str) -> str:
    """The Chinese name of a profile field, e.g. retained_vat_credit_wan -> 存量留抵税额."""
    spec = PROFILE_FIELDS.get(name)
    return spec.label if spec else name
