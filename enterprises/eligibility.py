"""The reminders' view of the eligibility engine: current rules, one profile, one day.

Reminders are always judged by the rules published at the moment of sending, for the day of
sending, so a profile stored months ago is re-screened every time (the stored `as_of` is not
kept). The engine itself is Django-free (policies/engine); the rule set comes from the
policies app's loader, which reads the published rule rows from the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from policies import rules_loader
from policies.engine import PROFILE_FIELDS, RuleSet, screen, validate_profile
from policies.engine.evaluate import MeasureResult


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


def load() -> RuleSet:
    """The rule set of the currently published rules (cached per process by the policies app's
    loader, which notices any change to the rule rows with one query)."""
    return rules_loader.load_ruleset()


def measure_key(measure: Any) -> tuple[str, int]:
    """How `evaluate` keys a measure: (文号, number), since numbers repeat across documents."""
    return (measure.document.number, measure.number)


def evaluate(
    ruleset: RuleSet, profile: dict[str, Any], today: datetime.date
) -> dict[tuple[str, int], Outcome]:
    """Screen a stored profile for `today`; return each measure's outcome by (文号, number)."""
    data = {key: value for key, value in profile.items() if key != "as_of"}
    data["as_of"] = today.isoformat()
    screening = screen(validate_profile(data), ruleset)
    return {(result.document, result.measure): Outcome.from_result(result) for result in screening.results}


def field_label(name: str) -> str:
    """The Chinese name of a profile field, e.g. retained_vat_credit_wan -> 存量留抵税额."""
    spec = PROFILE_FIELDS.get(name)
    return spec.label if spec else name
