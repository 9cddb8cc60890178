"""Impact preview: which golden cases and saved profiles a rule change would move.

Before an official publishes a measure draft, every golden case and every distinct profile
saved with a receipt is screened for the draft's measure twice, with the published rules and
with the draft's, each on the profile's own evaluation date. A change of status is a gain (now
eligible), a loss (no longer eligible) or another change (e.g. eligible → needs_info is a loss,
needs_info → ineligible is "other").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from policies.engine import ELIGIBLE, ProfileError, RuleSet, validate_profile
from policies.engine.evaluate import evaluate_measure, make_context

from .models import GoldenCase, Receipt
from .models.receipts import STATUS_LABELS

ABSENT = "absent"  # the measure has no rule in that rule set (a new measure, or one withdrawn)
MAX_EXAMPLES = 20


@dataclass(frozen=True)
class StatusChange:
    measure: int
    before: str
    after: str

    @property
    def direction(self) -> str:
        if self.after == ELIGIBLE and self.before != ELIGIBLE:
            return "gain"
        if self.before == ELIGIBLE and self.after != ELIGIBLE:
            return "loss"
        return "other"

    @property
    def before_label(self) -> str:
        return STATUS_LABELS.get(self.before, "(无此条)")

    @property
    def after_label(self) -> str:
        return STATUS_LABELS.get(self.after, "(无此条)")


def _status(ruleset: RuleSet, number: int, ctx: Any, document: str | None = None) -> str:
    try:
        rule = ruleset.measure(number, document)
    except KeyError:
        return ABSENT
    return evaluate_measure(rule, ctx).status


def changes_for(
    profile: dict[str, Any],
    before: RuleSet,
    after: RuleSet,
    measures: Iterable[int],
    document: str | None = None,
) -> list[StatusChange]:
    """The measures among ``measures`` (numbers in ``document``, a 文号; by default the first
    document so numbered) whose status differs between the two rule sets."""
    try:
        valid = validate_profile(profile)
    except ProfileError:
        return []  # a stored profile the contract no longer accepts cannot be compared
    old_ctx, new_ctx = make_context(valid, before), make_context(valid, after)
    out = []
    for number in measures:
        old, new = _status(before, number, old_ctx, document), _status(after, number, new_ctx, document)
        if old != new:
            out.append(StatusChange(number, old, new))
    return out


@dataclass
class CaseImpact:
    case: GoldenCase
    changes: list[StatusChange]
    expected: dict[int, str]

    def broken(self) -> list[StatusChange]:
        """Changes that move a golden case away from what officials expect of it."""
        return [c for c in self.changes if self.expected.get(c.measure) not in (None, c.after)]


@dataclass
class ProfileImpact:
    profiles: int = 0
    receipts: int = 0
    gains: int = 0
    losses: int = 0
    others: int = 0
    changed_profiles: int = 0
    examples: list[tuple[str, list[StatusChange]]] = field(default_factory=list)  # (receipt token, changes)

    @property
    def changed(self) -> int:
        return self.gains + self.losses + self.others


@dataclass
class Impact:
    measures: list[int]
    cases: list[CaseImpact]
    profiles: ProfileImpact

    @property
    def changed_cases(self) -> list[CaseImpact]:
        return [c for c in self.cases if c.changes]


def preview(before: RuleSet, after: RuleSet, measures: list[int], document: str | None = None) -> Impact:
    """Screen golden cases and saved profiles for ``measures`` (of ``document``) with both rule sets."""
    cases = [
        CaseImpact(case, changes_for(case.profile, before, after, measures, document), case.expected_statuses())
        for case in GoldenCase.objects.all()
    ]
    stats = ProfileImpact()
    for entry in Receipt.objects.distinct_profiles():
        stats.profiles += 1
        stats.receipts += entry["count"]
        found = changes_for(entry["profile"], before, after, measures, document)
        if not found:
            continue
        stats.changed_profiles += 1
        for change in found:
            counter = _COUNTER[change.direction]
            setattr(stats, counter, getattr(stats, counter) + entry["count"])
        if len(stats.examples) < MAX_EXAMPLES:
            stats.examples.append((entry["token"], found))
    return Impact(measures, cases, stats)


_COUNTER = {"gain": "gains", "loss": "losses", "other": "others"}
