"""The estimate language: exact decimal arithmetic, half-up rounding, and nothing unsafe parses."""

from __future__ import annotations

from typing import Any

import pytest

from policies.engine import RuleError, build_ruleset, screen, validate_profile

from .conftest import rules_data


def estimate_rule(formula: str, basis: str = "{wan(result)}", **extra: Any) -> Any:
    data = rules_data()
    data["measures"] = [
        {
            "number": 1,
            "title": "测试",
            "condition": {"field": "rd_expense_wan", "op": ">=", "value": 0},
            "estimate": {"kind": "subsidy", "formula": formula, "basis": basis, **extra},
        }
    ]
    return build_ruleset(data)


def estimate(formula: str, profile: dict[str, Any], basis: str = "{wan(result)}", **extra: Any) -> Any:
    ruleset = estimate_rule(formula, basis, **extra)
    return screen(validate_profile({"as_of": "2022-05-10", **profile}), ruleset).results[0].estimate


def test_amounts_are_exact_decimals_rounded_half_up_to_yuan() -> None:
    assert estimate("rd_expense_wan * 0.1", {"rd_expense_wan": 0.3}).amount_yuan == 300  # not 299.99…
    assert estimate("rd_expense_wan", {"rd_expense_wan": 0.00005}).amount_yuan == 1  # 0.5 元 -> 1
    assert estimate("rd_expense_wan", {"rd_expense_wan": 0.00004}).amount_yuan == 0
    assert estimate("0 - rd_expense_wan", {"rd_expense_wan": 0.00005}).amount_yuan == -1


def test_conditional_expressions_and_functions() -> None:
    formula = "max(0, rd_expense_wan - 100) if size_in('size_300', 'large') else min(rd_expense_wan, 5)"
    big = {"rd_expense_wan": 300, "industry": "C36", "employees": 1000, "revenue_wan": 40000}
    assert estimate(formula, big).amount_yuan == 2000000
    assert estimate(formula, {**big, "employees": 10}).amount_yuan == 50000


def test_an_estimate_that_depends_on_an_unknown_is_none() -> None:
    assert estimate("rd_expense_wan * 0.5 if is_tech_sme else rd_expense_wan", {"rd_expense_wan": 10}) is None
    # ... unless both branches agree.
    assert (
        estimate("rd_expense_wan if is_tech_sme else rd_expense_wan", {"rd_expense_wan": 10}).amount_yuan
        == 100000
    )


def test_three_valued_or_short_circuits_on_a_known_true() -> None:
    formula = "rd_expense_wan if is_tech_sme or industry_in('C') else 0"
    assert estimate(formula, {"rd_expense_wan": 1, "industry": "C"}).amount_yuan == 10000


def test_let_bindings_and_the_basis_template() -> None:
    result = estimate(
        "rd_expense_wan * rate",
        {"rd_expense_wan": 40},
        basis="{wan(rd_expense_wan)} × {pct(rate)} = {wan(result)}",
        let=[{"name": "rate", "expr": "p.m46_subsidy_rate"}],
    )
    assert result.basis == "40万元 × 80% = 32万元"


def test_division_by_zero_gives_no_estimate_rather_than_an_error() -> None:
    assert estimate("1 / rd_expense_wan", {"rd_expense_wan": 0}) is None


@pytest.mark.parametrize(
    "formula",
    [
        "__import__('os').system('true')",
        "().__class__.__bases__",
        "rd_expense_wan.real",
        "(lambda: 1)()",
        "open('/etc/passwd')",
        "min(rd_expense_wan, key=abs)",
        "p.no_such_parameter",
        "unknown_name * 2",
        "rd_expense_wan ** 2",
        "[x for x in equipment for y in equipment]",
        "{'a': 1}",
        "rd_expense_wan +",
        "size_in('size_300', 'tiny')",
        "industry_in('C05')",
        "(" * 1000 + "1" + ")" * 1000,
        "",
    ],
)
def test_unsafe_or_invalid_formulas_do_not_compile(formula: str) -> None:
    with pytest.raises(RuleError):
        estimate_rule(formula)


def test_an_unknown_estimate_kind_is_rejected() -> None:
    with pytest.raises(RuleError, match="估算类型"):
        estimate_rule("1", kind="bonus")


# --- a formula that compiles but fails at run time -----------------------------------------

OVERFLOWING = "rd_expense_wan * 1000000000000000000000000000000"


def test_a_formula_failing_at_run_time_is_contained_to_its_measure(caplog) -> None:  # noqa: ANN001
    data = rules_data()
    data["measures"] = [
        {
            "number": 1,
            "title": "测试",
            "condition": {"field": "rd_expense_wan", "op": ">=", "value": 0},
            "estimate": {"kind": "subsidy", "formula": OVERFLOWING, "basis": "{wan(result)}"},
        },
        {"number": 2, "title": "出口", "condition": {"field": "exports", "op": "==", "value": True}},
    ]
    ruleset = build_ruleset(data)
    with caplog.at_level("ERROR", logger="policies.engine"):
        screening = screen(
            validate_profile({"as_of": "2022-05-10", "rd_expense_wan": 100, "exports": True}), ruleset
        )
    broken, other = screening.results
    assert broken.status == "needs_info" and broken.estimate is None
    assert broken.missing  # needs_info always names fields
    assert any("工作人员" in note for note in broken.notes)
    assert other.status == "eligible"
    assert "Estimate of measure 1 failed" in caplog.text


def test_the_boundary_probe_finds_a_formula_that_fails_on_the_range_extremes() -> None:
    from policies.engine.probe import estimate_failures

    ruleset = estimate_rule(OVERFLOWING)
    problems = estimate_failures(ruleset.measures[0], ruleset)
    assert problems and "无法计算" in problems[0]
    fine = estimate_rule("rd_expense_wan * 0.75 * 0.25")
    assert estimate_failures(fine.measures[0], fine) == []


def test_every_published_formula_runs_on_the_range_extremes(ruleset) -> None:  # noqa: ANN001
    from policies.engine.probe import estimate_failures

    for rule in ruleset.measures:
        assert estimate_failures(rule, ruleset) == [], rule.number
