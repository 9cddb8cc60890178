"""Suggestions from a measure's text: numbers, units, comparisons, fields, quotes (no database)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from policies.suggest import ConditionSuggestion, FigureSuggestion, Suggestions, parse_number, suggest

# The sentences of the plan the examples come from (measures 1 and 10).
M1_OTHER = "三是其他行业,标准为从业人员1000人以下或营业收入4亿元以下。"
M10_TIERS = "对产业链“链主”企业年度营业收入首次达到10亿元、50亿元、100亿元的,分别给予进档奖励。"


def conditions(text: str) -> list[tuple[str, str, object]]:
    return [(c["field"], c["op"], c["value"]) for c in suggest(text).to_json()["conditions"]]


def figures(text: str) -> list[tuple[object, str, str]]:
    return [(f.value, f.unit, f.kind) for f in suggest(text).figures]


# The six examples, verbatim.


def test_4亿元以下_is_revenue_at_most_40000_wan() -> None:
    assert figures("4亿元以下") == [(40000, "万元", "amount")]  # no field word: a figure
    found = suggest(M1_OTHER).conditions
    assert ConditionSuggestion("revenue_wan", "<=", 40000, "营业收入4亿元以下") in found
    assert any("4亿元以下" in c.quote for c in found)


def test_从业人员2000人以下_is_employees_at_most_2000() -> None:
    assert suggest("从业人员2000人以下").conditions == (
        ConditionSuggestion("employees", "<=", 2000, "从业人员2000人以下"),
    )


def test_单位价值500万元以上_is_an_equipment_condition() -> None:
    assert suggest("单位价值500万元以上").conditions == (
        ConditionSuggestion("equipment.unit_value_wan", ">=", 500, "单位价值500万元以上"),
    )


def test_首次达到_three_amounts_are_three_revenue_tiers() -> None:
    assert [f[0] for f in figures("首次达到10亿元、50亿元、100亿元")] == [100000, 500000, 1000000]
    assert conditions(M10_TIERS) == [
        ("revenue_wan", ">=", 100000),
        ("revenue_wan", ">=", 500000),
        ("revenue_wan", ">=", 1000000),
    ]
    assert {c.quote for c in suggest(M10_TIERS).conditions} == {"营业收入首次达到10亿元、50亿元、100亿元"}


def test_不超过固定资产投资15_is_a_rate() -> None:
    result = suggest("不超过固定资产投资15%")
    assert result.conditions == ()  # a percentage of an amount is a rate, not a threshold on it
    assert result.figures == (FigureSuggestion(0.15, "fraction", "不超过固定资产投资15%", "rate"),)


def test_最高补贴500万元_is_a_cap() -> None:
    assert suggest("最高补贴500万元").figures == (FigureSuggestion(500, "万元", "最高补贴500万元", "cap"),)


# Numbers and units.


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2000", Decimal(2000)),
        ("1.5", Decimal("1.5")),
        ("十五", Decimal(15)),
        ("二十", Decimal(20)),
        ("三百五十", Decimal(350)),
        ("两千", Decimal(2000)),
        ("一千零五", Decimal(1005)),
        ("二点五", Decimal("2.5")),
        ("二〇二二", Decimal(2022)),
    ],
)
def test_parse_number(text: str, value: Decimal) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("营业收入2000万元以上", ("revenue_wan", ">=", 2000)),
        ("营业收入五千万元以下", ("revenue_wan", "<=", 5000)),
        ("年销售额不超过500元", ("revenue_wan", "<=", 0.05)),
        ("资产总额1.5亿元以下", ("total_assets_wan", "<=", 15000)),
        ("职工人数三百人以下", ("employees", "<=", 300)),
        ("从业人员不低于50人", ("employees", ">=", 50)),
        ("从业人员超过300人", ("employees", ">", 300)),
        ("从业人员低于20人", ("employees", "<", 20)),
        ("从业人员未满10人", ("employees", "<", 10)),
        ("营业收入高于1亿元", ("revenue_wan", ">", 10000)),
        ("营业收入达到5亿元", ("revenue_wan", ">=", 50000)),
        ("年应纳税所得额不高于300万元", ("taxable_income_wan", "<=", 300)),
        ("研发费用100万元以上", ("rd_expense_wan", ">=", 100)),
        ("存量留抵税额50万元以内", ("retained_vat_credit_wan", "<=", 50)),
        ("技术改造投资500万元以上", ("tech_retrofit_investment_wan", ">=", 500)),
        ("裁员率不超过5.5%", ("layoff_rate_pct", "<=", 5.5)),  # the profile keeps this one in percent
        ("裁员率低于百分之五", ("layoff_rate_pct", "<", 5)),
        ("最低折旧年限为3年", ("equipment.min_depreciation_years", "==", 3)),
    ],
)
def test_one_threshold(text: str, expected: tuple[str, str, object]) -> None:
    assert conditions(text) == [expected]
    # The quote runs from the field word (营业收入, not the 年 before 应纳税所得额) to the comparison.
    quote = suggest(text).conditions[0].quote
    assert text.endswith(quote) and len(quote) >= len(text) - 1


def test_a_range_gives_two_bounds_on_the_same_field() -> None:
    assert conditions("年销售额2000万元以上4亿元以下") == [
        ("revenue_wan", ">=", 2000),
        ("revenue_wan", "<=", 40000),
    ]
    assert conditions("年应纳税所得额100万元至300万元部分") == [
        ("taxable_income_wan", ">=", 100),
        ("taxable_income_wan", "<=", 300),
    ]


def test_a_second_bound_after_但_or_且_keeps_the_field() -> None:
    assert conditions("年应纳税所得额超过100万元但不超过300万元") == [
        ("taxable_income_wan", ">", 100),
        ("taxable_income_wan", "<=", 300),
    ]
    # measure 2's plain-language summary
    assert conditions("年销售额2000万元以上不到4亿元的制造业中型企业") == [
        ("revenue_wan", ">=", 2000),
        ("revenue_wan", "<", 40000),
    ]
    assert conditions("营业收入不低于2000万元且不超过4亿元") == [
        ("revenue_wan", ">=", 2000),
        ("revenue_wan", "<=", 40000),
    ]
    assert conditions("从业人员不超过300人、资产总额不超过5000万元") == [
        ("employees", "<=", 300),
        ("total_assets_wan", "<=", 5000),
    ]


def test_a_stated_含_or_不含_overrides_the_convention() -> None:
    assert conditions("年销售额2000万元以下(不含2000万元)") == [("revenue_wan", "<", 2000)]
    text = "销售额2000万元以上(含2000万元)至4亿元以下(不含4亿元)"
    assert conditions(text) == [("revenue_wan", ">=", 2000), ("revenue_wan", "<", 40000)]
    assert figures(text) == []  # the amounts inside the brackets are not new figures


def test_a_list_with_为_is_one_in_condition() -> None:
    assert conditions("最低折旧年限为4年、5年、10年的可减半扣除") == [
        ("equipment.min_depreciation_years", "in", [4, 5, 10])
    ]


def test_grades_in_a_sentence_naming_the_graded_field() -> None:
    text = "实施重污染天气重点行业绩效分级动态管理,免除或减少A级、B级和重大民生保障企业重污染天气应急响应停产"
    assert conditions(text) == [("env_performance_grade", "in", ["A", "B"])]
    assert conditions("A级、B级") == []  # which grading is meant is not said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("百分之十五", (0.15, "fraction", "rate")),
        ("比例从75%", (0.75, "fraction", "rate")),
        ("每提高5个百分点", (0.05, "fraction", "rate")),
        ("再减半征收", (0.5, "fraction", "rate")),
        ("给予补助资金1:1奖励", (1, "fraction", "rate")),
        ("最高不超过20万元", (20, "万元", "cap")),
        ("给予一次性奖励50万元", (50, "万元", "amount")),
        ("2022年6月30日前", ("2022-06-30", "date", "date")),
        ("延长6个月", (6, "月", "duration")),
        ("在以后5个纳税年度结转扣除", (5, "年", "duration")),
    ],
)
def test_one_figure(text: str, expected: tuple[object, str, str]) -> None:
    assert figures(text) == [expected]


def test_a_date_without_a_year_takes_the_given_year() -> None:
    assert figures("于6月底前一次性全部退还") == [("--06-30", "date", "date")]
    assert suggest("于6月底前一次性全部退还", default_year=2022).figures[0].value == "2022-06-30"
    assert suggest("2月底前", default_year=2024).figures[0].value == "2024-02-29"


@pytest.mark.parametrize(
    "text",
    [
        "实施千亿产业培育工程",  # a name, not an amount
        "研究制定我省“十四五”节能目标责任评价考核方案",
        "2022年至2024年扩大“六税两费”减免政策适用主体范围",  # calendar years are the validity
        "2022年新认定“专精特新”中小企业500户",
        "持续推进省校合作12大基地建设",
        "打造“7×24小时不打烊”政务服务超市",
    ],
)
def test_no_suggestions_from_names_years_and_counts_of_things(text: str) -> None:
    assert suggest(text) == Suggestions()


def test_work_items_give_figures_not_conditions() -> None:
    # A headcount or share with no profile field word before it is not a condition on the enterprise.
    assert conditions("2022年全年开展各类补贴性职业技能培训50万人以上") == []
    assert conditions("出让“标准地”宗数占本开发区工业用地的比重不低于80%") == []
    # A percentage after a money field is a rate, not a threshold on the money field.
    assert conditions("不超过企业及其职工上年度实际缴纳失业保险费的30%返还") == []


def test_every_quote_is_a_substring_and_the_types_are_frozen() -> None:
    text = M1_OTHER + M10_TIERS + "单户企业最高补贴500万元,于6月底前退还。"
    result = suggest(text, default_year=2022)
    assert result.conditions and result.figures
    for row in (*result.conditions, *result.figures):
        assert row.quote and row.quote in text
        with pytest.raises(dataclasses.FrozenInstanceError):
            row.quote = "x"  # type: ignore[misc]
        hash(row)  # usable as a set member or dict key by the rule builder


def test_to_json_shape() -> None:
    data = suggest("从业人员2000人以下,最高补贴500万元").to_json()
    assert data == {
        "conditions": [{"field": "employees", "op": "<=", "value": 2000, "quote": "从业人员2000人以下"}],
        "figures": [{"value": 500, "unit": "万元", "kind": "cap", "quote": "最高补贴500万元"}],
    }


def test_the_suggester_imports_no_django() -> None:
    code = (
        "import sys, policies.suggest; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
