"""Bulk re-screening entry points: chosen measures only, and the fields a status reads."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from typing import Any

from policies.engine import RuleSet, screen, status_fields, statuses, validate_profile

ROOT = Path(__file__).resolve().parents[2]


def bench_generator() -> Any:
    """engine_bench's profile generator (the bulk re-screen's mix), loaded without touching sys.path."""
    spec = importlib.util.spec_from_file_location("engine_bench", ROOT / "bench" / "engine_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.random_profile


def test_a_profile_cut_down_to_a_measures_fields_gets_the_same_status_as_the_whole_profile(
    ruleset: RuleSet,
) -> None:
    # The impact preview screens profiles equal on a measure's fields once; that is only right if
    # the status reads nothing else. Checked for every measure over varied generated profiles.
    random_profile = bench_generator()
    rng = random.Random(7)
    numbers = [m.number for m in ruleset.measures]
    for _ in range(300):
        data = random_profile(rng)
        whole = validate_profile(data)
        full = {r.measure: r.status for r in screen(whole, ruleset, explain=False).results}
        assert statuses(whole, ruleset, numbers) == full
        for rule in ruleset.measures:
            fields = status_fields(rule, ruleset) | {"as_of"}
            cut = validate_profile({k: v for k, v in data.items() if k in fields})
            assert statuses(cut, ruleset, [rule.number]) == {rule.number: full[rule.number]}, rule.number


def test_measures_the_rule_set_lacks_are_left_out(ruleset: RuleSet) -> None:
    assert statuses(validate_profile({"as_of": "2022-05-01"}), ruleset, [3, 9999]).keys() == {3}
