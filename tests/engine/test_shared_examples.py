"""Every shared example profile gives the expected statuses, amounts, kinds and size class."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import EXAMPLES, run


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_shared_example_gets_the_expected_answer(path: Path) -> None:
    example = json.loads(path.read_text(encoding="utf-8"))
    screening = run(example["profile"])
    expect = example["expect"]
    assert screening.size["size_class_300"] == expect["size_class_300"]
    for number, wanted in expect["measures"].items():
        result = screening.result(int(number))
        assert result.status == wanted["status"], (number, [r.text for r in result.reasons])
        if "amount_yuan" in wanted:
            assert result.estimate is not None, number
            assert result.estimate.amount_yuan == wanted["amount_yuan"], (number, result.estimate.basis)
            assert result.estimate.kind == wanted["kind"]


def test_every_measure_is_answered_once_in_order() -> None:
    example = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    numbers = [r.measure for r in run(example["profile"]).results]
    assert numbers == list(range(1, 71))


def test_unchecked_measures_are_informational() -> None:
    example = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    checked = {1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 21, 36, 46, 47, 48, 49, 50, 51, 62}
    for result in run(example["profile"]).results:
        assert (result.status == "informational") == (result.measure not in checked)


def test_the_estimate_basis_spells_out_the_formula_with_the_figures() -> None:
    path = next(p for p in EXAMPLES if p.stem == "manufacturing-small-many-benefits")
    screening = run(json.loads(path.read_text(encoding="utf-8"))["profile"])
    assert screening.result(7).estimate.basis == "150万元 × 25% − (100万元 × 2.5% + 50万元 × 5%) = 32.5万元"
    assert screening.result(1).estimate.basis.startswith("600万元 × 100% + 900万元 × 50% = 1050万元")
    assert screening.result(9).estimate.basis.startswith("12.5万元 × 90%")
    assert screening.result(11).estimate.basis.startswith("300万元 × 100%")


def test_reasons_carry_the_figures() -> None:
    path = next(p for p in EXAMPLES if p.stem == "manufacturing-small-many-benefits")
    screening = run(json.loads(path.read_text(encoding="utf-8"))["profile"])
    texts = [r.text for r in screening.result(9).reasons]
    assert "上年度裁员率2%,不超过5.5%" in texts
    assert "从业人数120人,超过30人" in texts
    size_reason = next(r.text for r in screening.result(7).reasons if "小型微利" in r.text)
    assert "应纳税所得额150万元" in size_reason and "符合小型微利企业标准" in size_reason
