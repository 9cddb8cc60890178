"""Profile validation names every bad field with a Chinese message."""

from __future__ import annotations

import datetime

import pytest

from policies.engine import ProfileError, validate_profile


def errors_of(data: object) -> dict[str, str]:
    with pytest.raises(ProfileError) as caught:
        validate_profile(data)
    return dict(caught.value.errors)


def test_every_bad_field_is_named_at_once() -> None:
    bad = {
        "employes": 3,
        "employees": 12.5,
        "revenue_wan": -1,
        "total_assets_wan": True,
        "taxable_income_wan": float("nan"),
        "rd_expense_wan": float("inf"),
        "layoff_rate_pct": 101,
        "industry": "C05",
        "as_of": "2022-02-30",
        "entity_type": "company",
        "vat_taxpayer": "small",
        "tax_credit_rating": "a",
        "env_performance_grade": "E",
        "is_tech_sme": "yes",
        "exports": 1,
        "equipment": [
            {"unit_value_wan": 0, "min_depreciation_years": 6, "purchase_date": "2022-13-01"},
            "a lathe",
            {"unit_value_wan": 600, "colour": "red"},
        ],
    }
    errors = errors_of(bad)
    assert set(errors) == {
        "employes",
        "employees",
        "revenue_wan",
        "total_assets_wan",
        "taxable_income_wan",
        "rd_expense_wan",
        "layoff_rate_pct",
        "industry",
        "as_of",
        "entity_type",
        "vat_taxpayer",
        "tax_credit_rating",
        "env_performance_grade",
        "is_tech_sme",
        "exports",
        "equipment[0].unit_value_wan",
        "equipment[0].min_depreciation_years",
        "equipment[0].purchase_date",
        "equipment[1]",
        "equipment[2].colour",
        "equipment[2].min_depreciation_years",
        "equipment[2].purchase_date",
    }
    assert errors["employees"] == "从业人数应为整数"
    assert errors["revenue_wan"] == "营业收入不能为负数"
    assert "有效日期" in errors["as_of"]
    assert "C05" in errors["industry"] and "制造业" in errors["industry"]
    assert "不支持" in errors["employes"]


@pytest.mark.parametrize("value", [True, False, "12", 12.5, [12]])
def test_employees_must_be_an_integer_and_bool_is_not_a_number(value: object) -> None:
    assert "employees" in errors_of({"employees": value})


def test_an_integral_json_number_is_an_integer() -> None:
    # JSON Schema's "integer" includes 12.0 (what the OpenAPI document promises, and what a
    # JavaScript client cannot tell from 12), so it is taken as 12.
    assert validate_profile({"employees": 12.0}).employees == 12
    assert isinstance(validate_profile({"employees": 12.0}).employees, int)


@pytest.mark.parametrize("code", ["c36", "C3", "C36123", "Z", "", "C44", "F50", "36", "K 70", "I66", 36])
def test_malformed_or_impossible_industry_codes_are_rejected(code: object) -> None:
    assert "industry" in errors_of({"industry": code})


@pytest.mark.parametrize("code", ["C", "C36", "I65", "K701", "K7010", "F52", "A01", "T97", "S96"])
def test_real_industry_codes_are_accepted(code: str) -> None:
    assert validate_profile({"industry": code}).industry == code


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("layoff_rate_pct", 100.0001),
        ("layoff_rate_pct", -0.1),
        ("retained_vat_credit_wan", -0.01),
        ("as_of", "2022/05/10"),
        ("as_of", 20220510),
    ],
)
def test_out_of_range_values_are_rejected(field: str, value: object) -> None:
    assert field in errors_of({field: value})


def test_boundaries_inside_the_ranges_are_accepted() -> None:
    profile = validate_profile(
        {"layoff_rate_pct": 100, "revenue_wan": 0, "taxable_income_wan": -50, "employees": 0, "equipment": []}
    )
    assert profile.layoff_rate_pct == 100
    assert profile.equipment == ()


def test_equipment_items_need_all_three_fields_within_range() -> None:
    errors = errors_of({"equipment": [{"unit_value_wan": -5, "min_depreciation_years": 10}]})
    assert set(errors) == {"equipment[0].unit_value_wan", "equipment[0].purchase_date"}
    assert "equipment" in errors_of({"equipment": {"unit_value_wan": 500}})


def test_absent_and_null_fields_are_unknown_not_false() -> None:
    profile = validate_profile({"exports": None, "employees": 0}, today=datetime.date(2022, 5, 10))
    assert profile.exports is None
    assert profile.employees == 0
    assert profile.as_of == datetime.date(2022, 5, 10)


def test_a_body_that_is_not_an_object_is_one_error() -> None:
    assert errors_of([1, 2]) == {"body": '请求体应为JSON对象,例如 {"employees": 120}'}
