"""Properties over the whole profile space, the contract's range extremes included: a settled
answer never changes when an unknown field is filled in (or refined); every needs_info names its
missing fields; no reason shows a parameter or size-table key."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.engine import screen, validate_profile
from policies.engine.industry import SECTIONS

from .conftest import _RULESET

MAX_WAN = 1_000_000_000  # the contract's range for every 万元 amount (±, taxable income only)


def boundary_numbers(points: list[float], low: float | None = 0, high: float = MAX_WAN) -> st.SearchStrategy:
    """Numbers near the rules' thresholds, the range's ends, and anything else in range."""
    near = [v for p in points for v in (p, p - 0.01, p + 0.01) if low is None or v >= low]
    ends = [high, -high] if low is None else [high, low]
    anywhere = st.floats(min_value=low if low is not None else -high, max_value=high, allow_nan=False)
    return st.one_of(
        st.sampled_from(near + ends), anywhere, st.integers(0 if low is not None else -high, high)
    )


@st.composite
def industry_codes(draw: st.DrawFn) -> str:
    section = draw(st.sampled_from(sorted(SECTIONS)))
    first, last, _ = SECTIONS[section]
    depth = draw(st.integers(0, 2))
    if depth == 0:
        return section
    code = f"{section}{draw(st.integers(first, last)):02d}"
    if depth == 2:
        code += draw(st.sampled_from(["1", "2", "3", "9", "10", "21"]))
    return code


EQUIPMENT_ITEM = st.fixed_dictionaries(
    {
        "unit_value_wan": st.one_of(
            st.sampled_from([499.99, 500, 500.01, MAX_WAN]), st.floats(0.01, 5000), st.floats(0.01, MAX_WAN)
        ),
        "min_depreciation_years": st.sampled_from([3, 4, 5, 10]),
        "purchase_date": st.one_of(
            st.dates(datetime.date(2021, 11, 1), datetime.date(2023, 2, 1)),
            st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)),
        ).map(str),
    }
)
MONEY = [
    0,
    50,
    100,
    300,
    500,
    1000,
    2000,
    5000,
    8000,
    10000,
    20000,
    30000,
    40000,
    100000,
    120000,
    200000,
    500000,
]
FIELDS: dict[str, st.SearchStrategy] = {
    "industry": industry_codes(),
    "entity_type": st.sampled_from(["enterprise", "individual_business"]),
    "employees": st.one_of(
        st.sampled_from([0, 9, 10, 19, 20, 30, 31, 100, 299, 300, 301, 999, 1000, 1001, 2000, 10_000_000]),
        st.integers(0, 100_000),
        st.integers(0, 10_000_000),
    ),
    "revenue_wan": boundary_numbers(MONEY),
    "total_assets_wan": boundary_numbers(MONEY),
    "taxable_income_wan": boundary_numbers([0, 100, 300], low=None),
    "vat_taxpayer": st.sampled_from(["small_scale", "general"]),
    "tax_credit_rating": st.sampled_from(["A", "B", "M", "C", "D"]),
    "is_tech_sme": st.booleans(),
    "is_specialized_sme": st.booleans(),
    "is_chain_leader": st.booleans(),
    "rd_expense_wan": boundary_numbers([0]),
    "equipment": st.lists(EQUIPMENT_ITEM, max_size=3),
    "owns_nev": st.booleans(),
    "ui_premium_last_year_wan": boundary_numbers([0]),
    "layoff_rate_pct": st.one_of(st.sampled_from([0, 5.5, 5.51, 20, 20.01]), st.floats(0, 100)),
    "retained_vat_credit_wan": boundary_numbers([0]),
    "exports": st.booleans(),
    "first_batch_premium_wan": boundary_numbers([0, 625]),
    "tech_retrofit_investment_wan": boundary_numbers([0]),
    "env_performance_grade": st.sampled_from(["A", "B", "C", "D"]),
    "vat_refund_clean_record": st.booleans(),
    "revenue_tier_first_reached": st.booleans(),
    "first_batch_in_catalogue": st.booleans(),
}
# The days rules change on, the contract's first and last days, and any day in between.
SWITCH_DAYS = sorted(
    {
        d
        for item in (*_RULESET.parameters, *_RULESET.size_standards)
        for d in (item.valid_from, item.valid_until)
        if d
    }
    | {datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)}
)
AS_OF = st.one_of(
    st.sampled_from(SWITCH_DAYS),
    st.dates(datetime.date(2021, 12, 1), datetime.date(2025, 1, 31)),
    st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)),
).map(str)
INTERNAL_KEYS = sorted({p.key for p in _RULESET.parameters} | {s.key for s in _RULESET.size_standards})


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """Any valid profile: a random subset of fields, values anywhere in the contract's ranges."""
    known = draw(st.sets(st.sampled_from(sorted(FIELDS))))
    profile: dict[str, Any] = {name: draw(FIELDS[name]) for name in sorted(known)}
    profile["as_of"] = draw(AS_OF)
    return profile


@st.composite
def partial_profile_and_a_fill(draw: st.DrawFn) -> tuple[dict[str, Any], str, Any]:
    known = draw(st.sets(st.sampled_from(sorted(FIELDS))))
    profile: dict[str, Any] = {name: draw(FIELDS[name]) for name in sorted(known)}
    profile["as_of"] = draw(AS_OF)
    candidates = [name for name in FIELDS if name not in profile]
    code = profile.get("industry")
    if code is not None and len(code) < 5:
        candidates.append("industry")  # a partial code may be refined
    field = draw(st.sampled_from(candidates or ["industry"]))
    if field == "industry" and code is not None:
        value = draw(industry_codes().filter(lambda c: c.startswith(code) and c != code))
    else:
        value = draw(FIELDS[field])
    return profile, field, value


@pytest.mark.slow  # about 18 s; CI runs it, `-m "not slow"` leaves it out while editing
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(partial_profile_and_a_fill())
def test_a_settled_answer_stays_when_an_unknown_field_is_answered(
    case: tuple[dict[str, Any], str, Any],
) -> None:
    profile, field, value = case
    before = screen(validate_profile(profile), _RULESET)
    after = screen(validate_profile({**profile, field: value}), _RULESET)
    for name, settled in before.size.items():
        if settled is not None:
            assert after.size[name] == settled, name
    for old, new in zip(before.results, after.results):
        if old.status in ("eligible", "ineligible"):
            assert new.status == old.status, (old.measure, field, value)
        if old.estimate is not None and new.status != "ineligible":
            # An amount once computed is final (only a "needs_info" may still turn ineligible);
            # its basis may name the size class more precisely ("小型或微型" -> "微型").
            assert new.estimate is not None, (old.measure, field, value)
            assert new.estimate.amount_yuan == old.estimate.amount_yuan, (old.measure, field, value)
        if old.status == "needs_info" and field not in old.missing:
            # `missing` names every field that could still settle the measure.
            assert new.status == "needs_info", (old.measure, field, value, old.missing)
        if field not in old.open_fields:
            assert new.status == old.status, (old.measure, field)
            assert (new.estimate is None) == (old.estimate is None), (old.measure, field)


def check_answer_invariants(answer: dict[str, Any]) -> None:
    """What every answer must satisfy (shared with the API property test)."""
    for result in answer["results"]:
        if result["status"] == "needs_info":
            assert result["missing"], result["measure"]
        for reason in result["reasons"]:
            assert not any(key in reason for key in INTERNAL_KEYS), (result["measure"], reason)
        if result["estimate"] is not None:
            assert -(2**63) < result["estimate"]["amount_yuan"] < 2**63


@pytest.mark.slow  # about 16 s, like the fuzzer above
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_every_profile_gets_an_answer_that_names_its_missing_fields_in_words(profile: dict[str, Any]) -> None:
    check_answer_invariants(screen(validate_profile(profile), _RULESET).as_dict())


def test_the_largest_allowed_values_get_an_answer() -> None:
    top = {name: MAX_WAN for name, spec in FIELDS.items() if name.endswith("_wan")}
    profile = {
        **top,
        "as_of": "2099-12-31",
        "employees": 10_000_000,
        "layoff_rate_pct": 100,
        "taxable_income_wan": -MAX_WAN,
        "equipment": [{"unit_value_wan": MAX_WAN, "min_depreciation_years": 3, "purchase_date": "2022-06-01"}]
        * 100,
    }
    for entity in ("enterprise", "individual_business"):
        answer = screen(validate_profile({**profile, "entity_type": entity}), _RULESET).as_dict()
        check_answer_invariants(answer)
    profile["as_of"] = "2022-06-01"
    # An SME (1000 staff or fewer) with the largest equipment list at the largest value:
    sme = {**profile, "entity_type": "enterprise", "industry": "C36", "employees": 10}
    answer = screen(validate_profile(sme), _RULESET)
    # 100 items of 10亿 each, 3-year: 10^11 万元 = 10^15 元, exactly.
    assert answer.result(1).estimate.amount_yuan == 10**15
