"""The one way from Django into the eligibility engine.

The engine (``policies/engine/``) is plain Python and never sees a model; ``rules_loader`` (this
app's private loader) turns the rule rows into a ``RuleSet``. Everything else in the project
that screens a profile, validates one or compares two rule sets goes through this module:

- the rules: ``current_rules`` (the published rule set and its version stamp, cached per
  process), ``published_rules`` (optionally one document's), ``draft_rules`` (the published set
  and the same with a draft's rule in place of its original's);
- a profile: ``check_profile`` (the contract's validation), ``profile_problems`` and
  ``field_errors`` (the engine's ProfileError as field errors), ``screen_profile`` (a profile on
  its own ``as_of``), ``screen_on`` (a stored profile on another day);
- two rule sets: ``changes_for`` (the measures whose status differs for one profile).

Other modules may import the engine's public names (``from policies.engine import ...``) for
its data types and constants, never its submodules.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import rules_loader
from .engine import (
    ELIGIBLE,
    STATUS_LABELS,
    Profile,
    ProfileError,
    RuleSet,
    Screening,
    screen,
    statuses,
    validate_profile,
)

if TYPE_CHECKING:
    from .models import Measure

ABSENT = "absent"  # the measure has no rule in that rule set (a new measure, or one withdrawn)


# --- the rules --------------------------------------------------------------------------------


def current_rules() -> tuple[RuleSet, str]:
    """The published rule set and its version stamp (the loader caches both per process and
    notices any change to the rule rows with one query)."""
    return rules_loader.load_ruleset(), rules_loader.ruleset_version()


def published_rules(document: str | None = None) -> RuleSet:
    """The published rule set; with ``document`` (a 文号), only that document's measures."""
    return rules_loader.load_ruleset(document=document)


def draft_rules(draft: Measure) -> tuple[RuleSet, RuleSet]:
    """The published rule set, and the same with ``draft``'s rules in place of its original's."""
    return rules_loader.load_ruleset(), rules_loader.load_ruleset(draft=draft)


# --- one profile --------------------------------------------------------------------------------


def check_profile(data: Any, today: datetime.date | None = None) -> Profile:
    """The contract's validation of a profile; raises ProfileError naming every bad field."""
    return validate_profile(data, today=today)


def profile_problems(profile: Any) -> list[tuple[str, str]]:
    """The engine's objections to a profile, as (field path, Chinese message); [] when valid."""
    try:
        validate_profile(profile)
    except ProfileError as exc:
        return list(exc.errors)
    return []


def field_errors(exc: ProfileError, prefix: str = "") -> list[dict[str, str]]:
    """The contract's error list for a profile, with fields named under ``prefix`` (e.g.
    ``"profile."``); an error about the whole body names the prefix itself."""
    return [
        {"field": f"{prefix}{name}" if name != "body" else prefix.rstrip(".") or "profile", "message": msg}
        for name, msg in exc.errors
    ]


def screen_profile(
    profile: Any, ruleset: RuleSet | None = None, today: datetime.date | None = None, *, explain: bool = True
) -> Screening:
    """Screen a profile (for its own ``as_of``; ``today`` when absent) with ``ruleset``, by default
    the published one. ``profile`` is decoded JSON, or a Profile ``check_profile`` returned.
    Raises ProfileError for a profile the contract does not accept. ``explain=False`` leaves out
    the sentences (a bulk comparison of statuses)."""
    if ruleset is None:
        ruleset, _ = current_rules()
    valid = profile if isinstance(profile, Profile) else validate_profile(profile, today=today)
    return screen(valid, ruleset, explain=explain)


def screen_on(profile: dict[str, Any], day: datetime.date, ruleset: RuleSet | None = None) -> Screening:
    """Screen a stored profile for ``day`` instead of the day it was stored with (reminders judge
    a profile saved months ago by the rules and the day of sending)."""
    data = {key: value for key, value in profile.items() if key != "as_of"}
    data["as_of"] = day.isoformat()
    return screen_profile(data, ruleset)


# --- two rule sets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    """One measure whose status differs between two rule sets (``ABSENT``: no rule in that set)."""

    measure: int
    before: str
    after: str

    @property
    def direction(self) -> str:
        """ "gain" (now eligible), "loss" (no longer eligible) or "other"."""
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


def changes_for(
    profile: Any,
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
    return changes_of(valid, before, after, list(measures), document)


def changes_of(
    valid: Profile, before: RuleSet, after: RuleSet, measures: list[int], document: str | None
) -> list[StatusChange]:
    """``changes_for`` for a profile already validated."""
    old, new = statuses(valid, before, measures, document), statuses(valid, after, measures, document)
    out = []
    for number in measures:
        was, now = old.get(number, ABSENT), new.get(number, ABSENT)
        if was != now:
            out.append(StatusChange(number, was, now))
    return out
