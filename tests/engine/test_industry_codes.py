"""Partial industry codes: unknown exactly when the missing digits could change the answer."""

from __future__ import annotations

import datetime

from policies.engine import RuleSet
from policies.engine import industry as industries

from .conftest import complete, run


def test_a_section_code_is_unknown_against_a_division_it_may_or_may_not_be() -> None:
    assert industries.membership("C", ["C16"]) is None
    assert industries.membership("C16", ["C16"]) is True
    assert industries.membership("C36", ["C16"]) is False
    assert industries.membership("M", ["C16", "F"]) is False


def test_a_section_fully_covered_by_the_listed_divisions_is_settled() -> None:
    assert industries.membership("F", ["F51", "F52"]) is True
    assert industries.membership("F", ["F51"]) is None
    assert industries.membership("I", ["I63", "I64", "I65"]) is True


def test_a_division_is_unknown_against_a_group_below_it() -> None:
    assert industries.membership("K70", ["K701"]) is None
    assert industries.membership("K701", ["K70"]) is True
    assert industries.membership(None, ["C"]) is None


def test_rd_super_deduction_needs_the_division_when_only_manufacturing_is_known() -> None:
    section_only = run(complete(industry="C")).result(11)
    assert section_only.status == "needs_info"
    assert section_only.missing == ("industry",)
    assert "仅填写到C" in " ".join(r.text for r in section_only.reasons)
    assert run(complete(industry="C16")).result(11).status == "ineligible"
    assert run(complete(industry="C13")).result(11).status == "eligible"


def test_a_section_code_still_settles_rules_about_the_whole_section() -> None:
    # Manufacturing as a whole is on measure 12's industry list and measure 2's scope.
    screening = run(complete(industry="C"))
    assert screening.result(12).status == "eligible"
    assert screening.result(2).status == "eligible"
    assert screening.result(11).estimate is not None  # manufacturing rate known: C16 or not, it is C


def test_trade_section_is_sized_when_wholesale_and_retail_rows_agree(ruleset: RuleSet) -> None:
    standards = ruleset.on(datetime.date(2022, 5, 10)).standards
    size = standards["size_300"]
    values = {"industry": "F", "employees": 40, "revenue_wan": 3000}
    assert size.classify(values).value == "small"  # F51: small (sales < 5000); F52: small (staff < 50)
    outcome = size.classify({**values, "employees": 60})
    assert outcome.value is None  # F51 small, F52 medium
    assert outcome.possible == {"small", "medium"}
    assert "industry" in outcome.unknown_fields


def test_railway_transport_is_sized_as_other_industries(ruleset: RuleSet) -> None:
    standards = ruleset.on(datetime.date(2022, 5, 10)).standards
    # 300号 sizes 交通运输业 "不含铁路运输业": G53 falls to the catch-all row (10 staff for small),
    # while road transport (G54) needs 20 staff and 200万元 for small.
    big_sales = {"employees": 15, "revenue_wan": 10**6}
    assert standards["size_300"].classify({"industry": "G53", **big_sales}).value == "small"
    assert standards["size_300"].classify({"industry": "G54", **big_sales}).value == "micro"
    # A bare "G" may be railway or not: the rows disagree, so the industry is still needed.
    outcome = standards["size_300"].classify({"industry": "G", **big_sales})
    assert outcome.value is None
    assert outcome.possible == {"small", "micro"}
    assert "industry" in outcome.unknown_fields


def test_real_estate_division_may_be_development_management_or_other(ruleset: RuleSet) -> None:
    standards = ruleset.on(datetime.date(2022, 5, 10)).standards
    outcome = standards["size_300"].classify(
        {"industry": "K70", "employees": 2000, "revenue_wan": 300000, "total_assets_wan": 20000}
    )
    assert outcome.value == "large"  # K701 large, K702 large, other large: the rows agree
    outcome = standards["size_300"].classify(
        {"industry": "K70", "employees": 50, "revenue_wan": 300000, "total_assets_wan": 20000}
    )
    assert outcome.possible == {"large", "small", "micro"}  # K701, other groups, K702


def test_unknown_industry_considers_every_row(ruleset: RuleSet) -> None:
    standards = ruleset.on(datetime.date(2022, 5, 10)).standards
    assert (
        standards["size_300"].classify({"employees": 5, "revenue_wan": 10, "total_assets_wan": 10}).value
        == "micro"
    )
    outcome = standards["size_300"].classify(
        {"employees": 5000, "revenue_wan": 10**6, "total_assets_wan": 10**6}
    )
    assert outcome.value == "large"
