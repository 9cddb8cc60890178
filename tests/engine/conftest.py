"""Engine tests: plain data in, results out; no database and no Django models."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from policies.engine import RuleSet, Screening, build_ruleset, screen, validate_profile

ROOT = Path(__file__).resolve().parents[2]
RULES_SOURCE = ROOT / "fixtures" / "rules_source.json"
EXAMPLES = sorted((ROOT / "reference" / "examples" / "eligibility").glob("*.json"))


def rules_data() -> dict[str, Any]:
    return json.loads(RULES_SOURCE.read_text(encoding="utf-8"))


_RULESET = build_ruleset(rules_data())


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return _RULESET


def run(profile: dict[str, Any], ruleset: RuleSet = _RULESET) -> Screening:
    """Validate and screen a profile given as contract JSON."""
    return screen(validate_profile(profile, today=datetime.date(2022, 5, 10)), ruleset)


def complete(**changes: Any) -> dict[str, Any]:
    """A fully answered small manufacturer (the shared example), with some fields changed."""
    profile = json.loads((EXAMPLES[0].parent / "manufacturing-small-many-benefits.json").read_text())[
        "profile"
    ]
    for key, value in changes.items():
        if value is None:
            profile.pop(key, None)
        else:
            profile[key] = value
    return profile
