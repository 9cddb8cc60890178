"""Threshold buckets (policies.engine.buckets): profiles in one bucket get the same statuses.

The impact preview screens one profile per bucket tuple and gives its statuses to every profile
in the bucket, so the property checked is exactly that: for random profiles, with figures drawn
near the rules' own thresholds (equal, just below, just above) as well as anywhere in range, the
statuses the bucket's first profile gets are the statuses each profile gets when screened itself.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.engine import (
    EQUIPMENT_FIELDS,
    PROFILE_FIELDS,
    ProfileError,
    build_ruleset,
    status_buckets,
    status_fields,
    statuses,
    validate_profile,
)
from policies.engine.industry import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
DATA = json.loads((ROOT / "fixtures" / "rules_source.json").read_text(encoding="utf-8"))


def _replace(tree: Any, field: str, value: Any) -> Any:
    if isinstance(tree, dict):
        if tree.get("field") == field and "value" in tree:
            return {**tree, "value": value}
        return {k: _replace(v, field, value) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_replace(v, field, value) for v in tree]
    return tree


def _changed() -> dict[str, Any]:
    """Some edits an official makes: new thresholds for measures 2, 11 and 12."""
    data = copy.deepcopy(DATA)
    for item in data["measures"]:
        if item["number"] == 2:
            item["condition"] = _replace(item["condition"], "revenue_wan", 800)
        if item["number"] == 11:
            item["condition"] = _replace(item["condition"], "rd_expense_wan", 20)
        if item["number"] == 12:
            item["condition"] = _replace(item["condition"], "retained_vat_credit_wan", 5)
    return data


BEFORE, AFTER = build_ruleset(DATA), build_ruleset(_changed())
MEASURES = [m.number for m in BEFORE.measures if m.condition is not None]
RULES = [r for ruleset in (BEFORE, AFTER) for r in ruleset.measures if r.number in MEASURES]
FIELDS = sorted(
    {f for ruleset in (BEFORE, AFTER) for r in ruleset.measures for f in status_fields(r, ruleset)}
)
BUCKETS = status_buckets(FIELDS, RULES, (BEFORE, AFTER))
INDUSTRIES = sorted(
    {code for s, (first, last, _) in SECTIONS.items() for code in (s, f"{s}{first:02d}", f"{s}{last:02d}")}
)


# Size tables are read through the class they give, not the figures' buckets: their limits are
# drawn near as well, so that profiles on either side of a limit meet in one bucket if they can.
SIZE_LIMITS: dict[str, set[float]] = {}
for _standard in BEFORE.size_standards:
    for _row in _standard.rows:
        for _limit in _row.limits:
            SIZE_LIMITS.setdefault(_limit.field, set()).add(float(_limit.value))


def _near(thresholds: tuple[Any, ...]) -> list[float]:
    out: list[float] = []
    for t in thresholds:
        out += [t, t - 0.01, t + 0.01, t - 1, t + 1]
    return out


def _number(name: str, spec: Any) -> st.SearchStrategy:
    low = spec.minimum if spec.minimum is not None else -1e6
    high = min(spec.maximum if spec.maximum is not None else 1e6, 1e6)
    known = (*BUCKETS.thresholds.get(name, ()), *sorted(SIZE_LIMITS.get(name, ())))
    near = [v for v in _near(known) if low <= v <= high]
    anywhere = st.floats(low, high, allow_nan=False).map(lambda v: round(v, 2))
    if spec.kind == "int":
        near = [int(v) for v in near if v == int(v)]
        anywhere = st.integers(int(low), int(high))
    return st.one_of(st.sampled_from(near), anywhere) if near else anywhere


def _day(thresholds: tuple[str, ...]) -> st.SearchStrategy:
    days = [
        datetime.date.fromisoformat(t) + datetime.timedelta(days=d) for t in thresholds for d in (-1, 0, 1)
    ]
    anywhere = st.dates(datetime.date(2021, 6, 1), datetime.date(2023, 6, 30))
    return (st.one_of(st.sampled_from(days), anywhere) if days else anywhere).map(str)


def _item() -> st.SearchStrategy:
    unit = EQUIPMENT_FIELDS["unit_value_wan"]
    return st.fixed_dictionaries(
        {
            "unit_value_wan": _number("equipment.unit_value_wan", unit).filter(lambda v: v > 0),
            "min_depreciation_years": st.sampled_from(
                list(EQUIPMENT_FIELDS["min_depreciation_years"].choices)
            ),
            "purchase_date": _day(("2022-01-01", "2022-12-31")),
        }
    )


def _value(name: str) -> st.SearchStrategy:
    spec = PROFILE_FIELDS[name]
    if name == "as_of":
        return _day(BUCKETS.thresholds.get("as_of", ()))
    if name == "industry":
        return st.sampled_from(INDUSTRIES)
    if name == "equipment":
        return st.lists(_item(), max_size=3)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "enum":
        return st.sampled_from(list(spec.choices))
    return _number(name, spec)


PROFILE = st.fixed_dictionaries({}, optional={name: _value(name) for name in PROFILE_FIELDS})


def _statuses(profile: dict[str, Any]) -> tuple[dict[int, str], dict[int, str]]:
    valid = validate_profile(profile)
    return statuses(valid, BEFORE, MEASURES), statuses(valid, AFTER, MEASURES)


def _day_key(profile: dict[str, Any]) -> Any:
    day = validate_profile({"as_of": profile["as_of"]} if "as_of" in profile else {}).as_of
    return BUCKETS.day_key(BEFORE, day), BUCKETS.day_key(AFTER, day)  # what the preview keys by


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PROFILE, min_size=5, max_size=40))
def test_a_buckets_first_profile_answers_for_every_profile_in_it(profiles: list[dict[str, Any]]) -> None:
    seen: dict[Any, tuple[dict[int, str], dict[int, str]]] = {}
    for profile in profiles:
        try:
            own = _statuses(profile)
        except ProfileError:
            continue
        key = (_day_key(profile), BUCKETS.key([profile.get(name) for name in FIELDS]))
        assert seen.setdefault(key, own) == own, profile


PAIRS = {"same key": 0, "pairs": 0}


@settings(max_examples=300, deadline=None)
@given(PROFILE, st.data())
def test_a_profile_with_other_figures_in_the_same_buckets_gets_the_same_statuses(
    profile: dict[str, Any], data: Any
) -> None:
    """A second profile with some figures (and the industry) drawn again, near the thresholds:
    when it lands in the same buckets, every status is the same."""
    try:
        own = _statuses(profile)
    except ProfileError:
        return
    other = dict(profile)
    drawn = [n for n in FIELDS if n == "industry" or PROFILE_FIELDS[n].kind in ("int", "number")]
    for name in data.draw(st.lists(st.sampled_from(drawn), min_size=1, max_size=3, unique=True)):
        other[name] = data.draw(_value(name))
    PAIRS["pairs"] += 1
    if BUCKETS.key([other.get(n) for n in FIELDS]) == BUCKETS.key([profile.get(n) for n in FIELDS]):
        PAIRS["same key"] += 1
        assert _statuses(other) == own, (profile, other)


def test_the_pairs_above_often_share_a_key() -> None:
    """The property above is only as strong as the pairs that meet in one bucket."""
    if PAIRS["pairs"] < 300:  # run alone: draw the pairs here
        test_a_profile_with_other_figures_in_the_same_buckets_gets_the_same_statuses()
    assert PAIRS["same key"] >= PAIRS["pairs"] // 20, PAIRS


def test_figures_are_bucketed_by_the_thresholds_the_rules_compare_them_with() -> None:
    buckets = status_buckets(["revenue_wan", "industry"], [AFTER.measure(2)], (BEFORE, AFTER))
    assert 800 in buckets.thresholds["revenue_wan"]
    below, equal, above = (buckets.key([v, "C36"])[0] for v in (799.99, 800, 800.5))
    assert len({below, equal, above}) == 3
    assert buckets.key([10, "C36"]) == buckets.key([700, "C36"])
    assert buckets.key([10, "C36"]) != buckets.key([10, "F52"])  # C36 is manufacturing, F52 is not
    assert buckets.key([10, "C36"]) == buckets.key([10, "C13"])  # both manufacturing
    assert buckets.key([None, "C36"]) != buckets.key([0, "C36"])  # unknown is a bucket of its own
    assert buckets.key(["700", "C36"]) != buckets.key([700, "C36"])  # a wrong type is kept apart
