"""Boundaries of the size standards, each inclusive or exclusive exactly as the contract says."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from policies.engine import RuleSet

DAY = datetime.date(2022, 5, 10)


def classify(ruleset: RuleSet, key: str, **values: Any) -> Any:
    standards = ruleset.on(DAY).standards
    return standards[key].classify(values).value


@pytest.mark.parametrize(
    ("industry", "employees", "revenue", "assets", "expected"),
    [
        ("C36", 1000, 40000, None, "large"),  # boundary belongs to the larger tier
        ("C36", 999, 40000, None, "medium"),  # a tier needs all its lower limits
        ("C36", 1000, 39999.99, None, "medium"),
        ("C36", 5000, 2000, None, "medium"),
        ("C36", 300, 2000, None, "medium"),
        ("C36", 299, 2000, None, "small"),
        ("C36", 20, 300, None, "small"),
        ("C36", 19, 300, None, "micro"),
        ("C36", 500, 299.99, None, "micro"),
        ("C36", 12, None, None, "micro"),  # 12 employees settle it whatever the revenue
        ("C36", 50, None, None, None),
        ("B06", 1000, 40000, None, "large"),
        ("D44", 300, 2000, None, "medium"),
        ("A01", None, 20000, None, "large"),
        ("A01", None, 49.99, None, "micro"),
        ("E47", 1, 80000, 80000, "large"),
        ("E47", 99999, 80000, 79999, "medium"),
        ("E47", None, 300, 300, "small"),
        ("E47", None, 300, 299, "micro"),
        ("F51", 200, 40000, None, "large"),
        ("F51", 5, 1000, None, "small"),
        ("F51", 4, 1000, None, "micro"),
        ("F52", 300, 20000, None, "large"),
        ("F52", 40, 3000, None, "small"),
        ("G54", 1000, 30000, None, "large"),
        ("G59", 200, 30000, None, "large"),
        ("G60", 300, 2000, None, "medium"),
        ("H62", 6, 120, None, "micro"),
        ("I64", 2000, 100000, None, "large"),
        ("I65", 180, 6000, None, "medium"),
        ("I65", 10, 50, None, "small"),
        ("K701", 1, 200000, 10000, "large"),
        ("K701", None, 100, 2000, "small"),
        ("K702", 1000, 5000, None, "large"),
        ("L72", 300, None, 120000, "large"),
        ("L72", 10, None, 100, "small"),
        ("M73", 300, None, None, "large"),  # other industries: headcount only
        ("M73", 299, None, None, "medium"),
        ("M73", 10, None, None, "small"),
        ("M73", 9, None, None, "micro"),
        ("M73", None, 1, 1, None),
    ],
)
def test_size_300_classifies_by_the_most_specific_row(
    ruleset: RuleSet, industry: str, employees: Any, revenue: Any, assets: Any, expected: Any
) -> None:
    got = classify(
        ruleset,
        "size_300",
        industry=industry,
        employees=employees,
        revenue_wan=revenue,
        total_assets_wan=assets,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("industry", "revenue", "assets", "expected"),
    [
        ("F52", 3000, 800, "medium"),  # headcount is not used: 40 staff would be small by 300号
        ("F52", 99, None, "micro"),
        ("F52", 100, None, "small"),
        ("C36", 2000, None, "medium"),
        ("C36", 1999.99, None, "small"),
        ("C36", 299, None, "micro"),
        ("M73", 99.99, None, "micro"),  # a row left without limits uses sales
        ("M73", 100, None, "small"),
        ("M73", 2000, None, "medium"),
        ("M73", 10000, None, "large"),
        ("H62", 120, None, "small"),
        ("L72", None, 8000, "medium"),  # leasing keeps only the assets limit
        ("L72", 10**9, 99, "micro"),
        ("K701", 1000, 5000, "medium"),
    ],
)
def test_refund_size_rule_drops_headcount(
    ruleset: RuleSet, industry: str, revenue: Any, assets: Any, expected: Any
) -> None:
    got = classify(
        ruleset, "refund_300", industry=industry, employees=40, revenue_wan=revenue, total_assets_wan=assets
    )
    assert got == expected


@pytest.mark.parametrize(
    ("industry", "employees", "revenue", "assets", "expected"),
    [
        ("C36", 1000, 10**6, None, True),  # 1000人以下 is inclusive
        ("C36", 1001, 40000, None, True),  # 4亿元以下 is inclusive; any one indicator suffices
        ("C36", 1001, 40000.01, None, False),
        ("C36", 5000, None, None, None),
        ("C36", 10, None, None, True),
        ("E47", 2000, 10**6, 10**6, True),
        ("E47", 2001, 100000, 10**6, True),
        ("E47", 2001, 100001, 120000, True),
        ("E47", 2001, 100001, 120001, False),
        ("I63", 2001, 100001, 120001, False),
        ("I65", 1001, 40001, None, False),  # software is "other": 1000 / 4亿
        ("K701", 1, 200000, 10**6, True),  # real estate: headcount not an indicator
        ("K701", 1, 200001, 10001, False),
        ("K701", 1, 200001, 10000, True),
    ],
)
def test_measure_1_sme_test_passes_on_any_indicator_within_its_limit(
    ruleset: RuleSet, industry: str, employees: Any, revenue: Any, assets: Any, expected: Any
) -> None:
    got = classify(
        ruleset,
        "sme_2022_equipment",
        industry=industry,
        employees=employees,
        revenue_wan=revenue,
        total_assets_wan=assets,
    )
    assert got is expected


@pytest.mark.parametrize(
    ("income", "employees", "assets", "expected"),
    [
        (300, 300, 5000, True),  # every limit inclusive
        (300.0001, 300, 5000, False),
        (300, 301, 5000, False),
        (300, 300, 5000.0001, False),
        (0, 10, 10, True),  # contract 1.1: no lower bound (measure 7 asks for a profit itself)
        (-40, 10, 10, True),
        (0.0001, 10, 10, True),
        (150, None, 4800, None),
        (400, None, None, False),  # one failing indicator settles it
    ],
)
def test_small_low_profit_limits_are_inclusive(
    ruleset: RuleSet, income: Any, employees: Any, assets: Any, expected: Any
) -> None:
    got = classify(
        ruleset,
        "small_low_profit",
        industry="C36",
        taxable_income_wan=income,
        employees=employees,
        total_assets_wan=assets,
    )
    assert got is expected


def test_size_standards_are_dated(ruleset: RuleSet) -> None:
    early = ruleset.on(datetime.date(2022, 3, 1)).standards
    later = ruleset.on(datetime.date(2023, 3, 1)).standards
    # Before its first version a table's first version applies (contract 1.1), and after its
    # last one the last: a profile is always sized, while in_force says the measure was not in force.
    refund = [s for s in ruleset.size_standards if s.key == "refund_300"]
    assert early["refund_300"] is min(refund, key=lambda s: s.valid_from)
    assert early["refund_300"].valid_from == datetime.date(2022, 4, 1)
    assert later["sme_2022_equipment"].valid_until == datetime.date(2022, 12, 31)
    assert later["size_300"] is not None


def test_with_no_industry_a_size_every_row_answers_alike_is_settled(ruleset: RuleSet) -> None:
    # Contract 1.1: with no industry at all, 5 staff, 30万元 of revenue and 50万元 of assets are
    # micro by every row of 300号, so the class is known (and so is the API's size_class_300).
    assert classify(ruleset, "size_300", employees=5, revenue_wan=30, total_assets_wan=50) == "micro"
    # 500 staff and 50万元 of revenue are not: agriculture sizes by revenue alone (micro), industry
    # by both (micro), the catch-all by staff (large).
    assert classify(ruleset, "size_300", employees=500, revenue_wan=30, total_assets_wan=50) is None
    from .conftest import run

    answer = run({"as_of": "2022-05-10", "employees": 5, "revenue_wan": 30, "total_assets_wan": 50})
    assert answer.size["size_class_300"] == "micro"
