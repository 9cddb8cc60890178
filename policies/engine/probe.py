"""Boundary profiles, and running one measure's estimate over them before a rule is saved.

A formula can compile and still fail at run time on some figures (multiplying by 10^30 overflows
Decimal's precision, or the amount leaves the JSON integer range). The admin runs a draft's
estimate over these profiles, the golden cases included, and refuses to save a formula that fails
on any of them; the screening contains whatever still slips through to that one measure.
"""

from __future__ import annotations

import datetime
import functools
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import EstimateError, ProfileError
from .evaluate import make_context
from .profile import (
    EARLIEST_DATE,
    EQUIPMENT_FIELDS,
    LATEST_DATE,
    MAX_EQUIPMENT_ITEMS,
    PROFILE_FIELDS,
    Profile,
    validate_profile,
)
from .rules import MeasureRule, RuleSet


def _level(spec: Any, level: str) -> Any:
    """A field's value at one level: its range's top or bottom, zero, or one."""
    if level == "max":
        return spec.maximum
    if spec.exclusive_minimum:  # e.g. an equipment item's value, > 0
        return 1
    if level == "min":
        return spec.minimum
    return 0 if level == "zero" else 1


@functools.cache
def boundary_profiles(day_list: tuple[datetime.date, ...]) -> tuple[Profile, ...]:
    """Profiles at the contract's range extremes (and zero and one), on the boundary days.

    Built once per process (profiles are immutable); each has 100 equipment items at the level.
    """
    profiles: list[Profile] = []
    numbers = [s for s in PROFILE_FIELDS.values() if s.kind in ("int", "number")]
    for day, level, entity, industry, tech in itertools.product(
        day_list,
        ("max", "min", "zero", "one"),
        ("enterprise", "individual_business"),
        ("C36", "F52", None),
        (True, False),
    ):
        data: dict[str, Any] = {"as_of": day.isoformat(), "entity_type": entity, "is_tech_sme": tech}
        if industry:
            data["industry"] = industry
        for spec in numbers:
            data[spec.name] = _level(spec, level)
        data["equipment"] = [
            {
                "unit_value_wan": _level(EQUIPMENT_FIELDS["unit_value_wan"], level),
                "min_depreciation_years": years,
                "purchase_date": day.isoformat(),
            }
            for years in itertools.islice(itertools.cycle((3, 10)), MAX_EQUIPMENT_ITEMS)
        ]
        profiles.append(validate_profile(data))
    return tuple(profiles)


def switch_days(ruleset: RuleSet) -> tuple[datetime.date, ...]:
    """The contract's first and last days and every day a parameter or size table changes."""
    days = {EARLIEST_DATE, LATEST_DATE}
    for item in (*ruleset.parameters, *ruleset.size_standards):
        days.update(d for d in (item.valid_from, item.valid_until) if d and EARLIEST_DATE <= d <= LATEST_DATE)
    return tuple(sorted(days))


def estimate_failures(
    rule: MeasureRule, ruleset: RuleSet, extra: Iterable[Mapping[str, Any]] = ()
) -> list[str]:
    """Why ``rule``'s estimate cannot run on some profile, in Chinese (empty when it always can).

    The estimate is computed whatever the conditions say, so a formula is checked on figures its
    condition would let through tomorrow too; ``extra`` adds profiles (the golden cases) as JSON.
    """
    if rule.estimate is None:
        return []
    profiles = list(boundary_profiles(switch_days(ruleset)))
    for data in extra:
        try:
            profiles.append(validate_profile(data))
        except ProfileError:
            continue  # a golden case that breaks the contract is reported by its own check
    problems: list[str] = []
    for profile in profiles:
        try:
            rule.estimate.compute(make_context(profile, ruleset))
        except EstimateError as exc:
            message = exc.errors[0][1] if exc.errors else str(exc)
            problems.append(f"公式在测试画像上无法计算({_describe(profile)}):{message}")
            break
    return problems


def _describe(profile: Profile) -> str:
    shown = {k: v for k, v in profile.as_dict().items() if k != "equipment"}
    items = len(profile.equipment or ())
    return ", ".join(f"{k}={v}" for k, v in shown.items()) + (f", equipment={items}台" if items else "")
