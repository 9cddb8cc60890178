"""The rule data quotes its sources faithfully, and the engine stays free of Django."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from policies.engine import RuleSet

from .conftest import ROOT, rules_data

SOURCE = (ROOT / "reference" / "source" / "shanxi-2022-34-action-plan.txt").read_text(encoding="utf-8")
NORMALIZED = re.sub(r"\s+", "", re.sub(r"-\s*\d+\s*-", "", SOURCE))


def test_every_rule_quotes_its_measure_word_for_word(ruleset: RuleSet) -> None:
    checked = [m for m in ruleset.measures if m.condition is not None]
    assert len(checked) == 19
    for measure in checked:
        assert measure.citation, measure.number
        assert measure.citation in NORMALIZED, measure.number


def test_parameters_taken_from_the_plan_quote_it_word_for_word(ruleset: RuleSet) -> None:
    for param in ruleset.parameters:
        assert param.quote, param.key
        if param.source == "晋政办发〔2022〕34号":
            assert param.quote in NORMALIZED, param.key


def test_thresholds_and_rates_are_data_not_code() -> None:
    # The only figures in the engine's code are units and limits of the contract itself
    # (10000 元 per 万元, 100 for percent, the 3/4/5/10-year depreciation lives), never a rule's;
    # industry.py holds the GB/T 4754 division numbering, a classification rather than a rule.
    # Contract 1.1 adds its ranges: 10,000,000 staff, ±1,000,000,000 万元, dates 2000-01-01 to
    # 2099-12-31, 100 equipment items; amount_yuan is a 64-bit JSON integer (2**63).
    allowed = {
        0,
        1,
        2,
        3,
        4,
        5,
        10,
        12,
        31,
        63,
        100,
        2000,
        2099,
        4096,
        10000,
        1e15,
        10_000_000,
        100_000,  # buckets.MEMO_LIMIT: how many entries a memo keeps, a bound on memory
        1_000_000_000,
    }
    for path in (ROOT / "policies" / "engine").glob("*.py"):
        if path.name == "industry.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float):
                assert node.value in allowed, (path.name, node.value)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.fullmatch(
                    r"20\d\d-\d\d-\d\d|m\d+_\w+|refund_300|small_low_profit", node.value
                ), node.value


def test_every_measure_of_the_plan_is_present_once() -> None:
    assert [m["number"] for m in rules_data()["measures"]] == list(range(1, 71))


def test_the_engine_imports_no_django() -> None:
    code = "import sys, policies.engine; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
