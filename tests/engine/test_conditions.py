"""The condition language: three-valued logic, reasons, missing fields, hints and deadlines."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from policies.engine import RuleError, build_ruleset, screen, validate_profile

from .conftest import EXAMPLES, complete, rules_data, run


def tiny(condition: Any, **extra: Any) -> Any:
    """A rule set with one measure and the real parameters and size standards."""
    data = rules_data()
    data["measures"] = [{"number": 1, "title": "测试", "condition": condition, **extra}]
    return build_ruleset(data)


def status(condition: Any, profile: dict[str, Any]) -> Any:
    ruleset = tiny(condition)
    return screen(validate_profile({"as_of": "2022-05-10", **profile}), ruleset).results[0]


OWNS_NEV = {"field": "owns_nev", "op": "==", "value": True}
EXPORTS = {"field": "exports", "op": "==", "value": True}


def test_false_and_unknown_is_false() -> None:
    result = status({"all": [OWNS_NEV, EXPORTS]}, {"exports": False})
    assert result.status == "ineligible"
    assert result.missing == ()


def test_true_or_unknown_is_true() -> None:
    result = status({"any": [OWNS_NEV, EXPORTS]}, {"exports": True})
    assert result.status == "eligible"
    assert [r.decisive for r in result.reasons] == [False, True]


def test_true_and_unknown_needs_exactly_the_unknown_field() -> None:
    result = status({"all": [OWNS_NEV, EXPORTS]}, {"exports": True})
    assert result.status == "needs_info"
    assert result.missing == ("owns_nev",)
    assert [r.outcome for r in result.reasons] == ["unknown", "met"]


def test_not_pushes_negation_into_the_leaves() -> None:
    result = status(
        {"not": {"any": [OWNS_NEV, {"field": "employees", "op": ">", "value": 300}]}}, {"employees": 300}
    )
    assert result.status == "needs_info"
    assert [r.text for r in result.reasons] == [
        "新能源汽车未填写,需确认是否没有新能源汽车",
        "从业人数300人,不超过300人",
    ]


def test_unknown_numbers_ask_the_question_with_the_threshold() -> None:
    result = run({"industry": "C", "employees": 50}).result(7)
    assert "应纳税所得额未填写,需确认是否大于0" in [r.text for r in result.reasons]
    result = run({"industry": "M73", "taxable_income_wan": 150}).result(9)
    assert "从业人数未填写,需确认是否不超过30人" in [r.text for r in result.reasons]


def test_missing_lists_only_fields_that_can_still_change_the_answer() -> None:
    # Manufacturing is on measure 12's industry list, so the size (and revenue) no longer matter.
    result = run({"industry": "C36", "tax_credit_rating": "A"}).result(12)
    assert result.status == "needs_info"
    assert result.missing == ("retained_vat_credit_wan", "vat_refund_clean_record")
    # A retailer depends on its refund size class, which depends on revenue and assets only.
    result = run(
        {"industry": "F52", "employees": 40, "tax_credit_rating": "A", "retained_vat_credit_wan": 5}
    ).result(12)
    assert result.missing == ("revenue_wan", "vat_refund_clean_record")


def test_a_measure_failed_by_one_condition_names_it() -> None:
    path = next(p for p in EXAMPLES if p.stem == "loss-making")
    screening = run(json.loads(path.read_text(encoding="utf-8"))["profile"])
    assert screening.result(12).failed_by.text == "纳税信用等级为C级,不属于A级、B级"
    # Measure 7 has two routes; the enterprise route is closed by one condition only: a loss
    # (the 小型微利 test itself has no lower bound, contract 1.1).
    assert screening.result(7).failed_by.text == "应纳税所得额-40万元,不大于0"
    # An individual business buying no equipment misses measure 1 on two counts: no single hint.
    restaurant = next(p for p in EXAMPLES if p.stem == "individual-business-restaurant")
    assert run(json.loads(restaurant.read_text(encoding="utf-8"))["profile"]).result(1).failed_by is None


def test_measure_12_deadline_depends_on_the_refund_size_class() -> None:
    micro = run(complete(industry="F52", revenue_wan=80, total_assets_wan=50, employees=3)).result(12)
    assert [d.date.isoformat() for d in micro.deadlines] == ["2022-04-30"]
    others = run(complete()).result(12)
    assert [d.date.isoformat() for d in others.deadlines] == ["2022-06-30"]
    unknown = run(complete(revenue_wan=None)).result(12)
    assert [(d.date.isoformat(), d.applies) for d in unknown.deadlines] == [
        ("2022-04-30", None),
        ("2022-06-30", None),
    ]


def test_chain_leader_reasons_name_the_highest_tier_reached() -> None:
    path = next(p for p in EXAMPLES if p.stem == "chain-leader-50yi")
    result = run(json.loads(path.read_text(encoding="utf-8"))["profile"]).result(10)
    assert result.notes == ("营业收入550000万元,达到50亿元档(不低于500000万元)",)
    assert "达到50亿元档" in result.as_dict()["reasons"][-1]
    assert (
        run(complete(is_chain_leader=True, revenue_wan=100000, revenue_tier_first_reached=True))
        .result(10)
        .notes[0]
        .startswith("营业收入100000万元,达到10亿元档")
    )
    top = complete(is_chain_leader=True, revenue_wan=1000000, revenue_tier_first_reached=True)
    assert "100亿元档" in run(top).result(10).notes[0]
    # Reaching a tier again (not for the first time) earns nothing.
    again = run(complete(is_chain_leader=True, revenue_wan=1000000, revenue_tier_first_reached=False))
    assert again.result(10).status == "ineligible"


def test_deferral_reason_says_how_much_may_be_deferred() -> None:
    assert run(complete(revenue_wan=1500)).result(2).notes[0].endswith("可延缓缴纳100%")
    assert run(complete(revenue_wan=2000)).result(2).notes[0].endswith("可延缓缴纳50%")
    assert run(complete(revenue_wan=40000)).result(2).status == "ineligible"


def test_equipment_rule_counts_items_bought_in_2022_of_500_wan_or_more() -> None:
    items = [
        {"unit_value_wan": 500, "min_depreciation_years": 5, "purchase_date": "2022-12-31"},
        {"unit_value_wan": 499.99, "min_depreciation_years": 3, "purchase_date": "2022-06-01"},
        {"unit_value_wan": 800, "min_depreciation_years": 3, "purchase_date": "2021-12-31"},
    ]
    result = run(complete(equipment=items)).result(1)
    assert result.status == "eligible"
    assert result.estimate.amount_yuan == 2500000  # only the first item, at 50%
    assert run(complete(equipment=items[1:])).result(1).status == "ineligible"
    assert run(complete(equipment=[])).result(1).status == "ineligible"
    assert run(complete(equipment=None)).result(1).missing == ("equipment",)


def test_open_fields_skip_questions_that_cannot_change_anything() -> None:
    profile = complete(industry="H62", employees=50, retained_vat_credit_wan=0, revenue_wan=None)
    assert "revenue_wan" not in run(profile).open_fields()
    assert "revenue_wan" in run(complete(revenue_wan=None)).open_fields()
    assert run(complete()).open_fields() == ()


def test_status_ignores_validity_but_in_force_reports_it() -> None:
    result = run(complete(as_of="2022-03-01", vat_taxpayer="small_scale")).result(8)
    assert result.status == "eligible"
    assert result.in_force is False
    assert run(complete(as_of="2023-06-01")).result(5).in_force is True


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        ({"field": "employes", "op": "<=", "value": 3}, "condition.field"),
        ({"field": "employees", "op": "=<", "value": 3}, "condition.op"),
        ({"field": "employees", "op": "<=", "value": "300"}, "condition.value"),
        ({"field": "employees", "op": "<="}, "condition.value"),
        ({"field": "entity_type", "op": "<", "value": "enterprise"}, "condition.op"),
        ({"field": "entity_type", "op": "==", "value": "company"}, "condition.value"),
        ({"field": "revenue_wan", "op": "<", "value": {"param": "nope"}}, "condition.value"),
        ({"all": []}, "condition.all"),
        ({"all": [OWNS_NEV, {"any": "x"}]}, "condition.all[1].any"),
        ({"all": [OWNS_NEV], "any": [EXPORTS]}, "condition"),
        ({"size": "size_301", "in": ["small"]}, "condition.size"),
        ({"size": "size_300", "in": ["tiny"]}, "condition.in"),
        ({"size": "small_low_profit", "in": ["small"]}, "condition.in"),
        ({"industry": ["C05"]}, "condition.industry[0]"),
        ({"equipment": {"field": "colour", "op": "==", "value": 1}}, "condition.equipment.field"),
        ({"field": "owns_nev", "op": "==", "value": True, "extra": 1}, "condition"),
        ("owns_nev", "condition"),
    ],
)
def test_bad_conditions_are_rejected_with_their_json_path(condition: Any, path: str) -> None:
    with pytest.raises(RuleError) as caught:
        tiny(condition)
    assert path in [p.removeprefix("measures[0].") for p, _ in caught.value.errors]


def test_every_problem_in_the_rule_data_is_reported_together() -> None:
    data = rules_data()
    data["measures"][0]["condition"] = {"all": [{"field": "x", "op": "==", "value": 1}, {"industry": "C"}]}
    data["parameters"][0]["value"] = "abc"
    with pytest.raises(RuleError) as caught:
        build_ruleset(data)
    paths = [p for p, _ in caught.value.errors]
    assert "parameters[0].value" in paths
    assert "measures[0].condition.all[0].field" in paths
    assert "measures[0].condition.all[1].industry" in paths


def test_overlapping_parameter_versions_are_rejected() -> None:
    data = rules_data()
    data["parameters"].append({**data["parameters"][-1], "valid_from": "2022-06-01"})
    with pytest.raises(RuleError, match="重叠"):
        build_ruleset(data)


def test_a_size_table_without_a_catch_all_row_is_rejected() -> None:
    data = rules_data()
    standard = next(s for s in data["size_standards"] if s["key"] == "size_300")
    standard["rows"] = [r for r in standard["rows"] if r["codes"]]
    with pytest.raises(RuleError, match="其他未列明行业"):
        build_ruleset(data)


def test_results_serialize_to_the_contract_shape() -> None:
    data = run(complete()).as_dict()
    assert data["as_of"] == "2022-05-10"
    assert data["size"] == {"sme_2022_equipment": True, "size_class_300": "small"}
    result = data["results"][6]
    assert result["measure"] == 7
    assert set(result) >= {
        "measure",
        "title",
        "status",
        "in_force",
        "reasons",
        "missing",
        "estimate",
        "deadlines",
        "responsible_units",
    }
    assert result["estimate"] == {
        "amount_yuan": 325000,
        "kind": "tax_saving",
        "basis": "150万元 × 25% − (100万元 × 2.5% + 50万元 × 5%) = 32.5万元",
    }
    assert result["responsible_units"] == ["省税务局", "省财政厅"]
    json.dumps(data, ensure_ascii=False)


def test_the_default_as_of_is_the_day_given() -> None:
    assert validate_profile({}, today=datetime.date(2022, 7, 1)).as_of == datetime.date(2022, 7, 1)
