"""Dated parameters: the value in force on the profile's as_of is used."""

from __future__ import annotations

import json

from .conftest import EXAMPLES, run


def _large_construction(as_of: str) -> dict:
    path = next(p for p in EXAMPLES if p.stem == "large-construction-before-june")
    profile = json.loads(path.read_text(encoding="utf-8"))["profile"]
    return {**profile, "as_of": as_of}


def test_large_enterprises_get_30_percent_until_may_31() -> None:
    estimate = run(_large_construction("2022-05-31")).result(9).estimate
    assert estimate.amount_yuan == 540000
    assert "30%" in estimate.basis and "大型" in estimate.basis


def test_large_enterprises_get_50_percent_from_june_1() -> None:
    estimate = run(_large_construction("2022-06-01")).result(9).estimate
    assert estimate.amount_yuan == 900000
    assert "50%" in estimate.basis


def test_smes_get_90_percent_on_both_sides_of_the_switch() -> None:
    small = {"employees": 120, "revenue_wan": 8000, "industry": "C36"}
    for day in ("2022-05-31", "2022-06-01"):
        profile = {**_large_construction(day), **small}
        assert run(profile).result(9).estimate.amount_yuan == 1620000


def test_refund_rate_is_unknown_until_the_size_class_is() -> None:
    profile = _large_construction("2022-06-01")
    del profile["revenue_wan"]
    result = run(profile).result(9)
    assert result.status == "eligible"
    assert result.estimate is None
    assert "revenue_wan" in result.open_fields


def test_after_the_last_version_the_last_rate_applies_and_the_measure_is_out_of_force() -> None:
    # The 2022 job-retention rates end on 2022-12-31; a profile dated later is judged by the last
    # version (so no sentence is left without its figure) and in_force says the measure has ended.
    result = run(_large_construction("2023-03-01")).result(9)
    assert result.status == "eligible"
    assert result.estimate.amount_yuan == 900000
    assert "50%" in result.estimate.basis
    assert result.in_force is False


def test_before_the_first_version_the_first_applies() -> None:
    # Measure 10's tiers start on 2022-04-14 and 12's refund table on 2022-04-01 (contract 1.1).
    profile = {
        **_large_construction("2022-03-15"),
        "is_chain_leader": True,
        "revenue_wan": 200000,
        "revenue_tier_first_reached": True,
    }
    screening = run(profile)
    assert screening.result(10).status == "eligible"
    assert screening.result(10).in_force is False
    for number in (1, 10, 12):
        result = screening.result(number)
        assert result.status != "needs_info" or result.missing, number
        assert not any("无有效" in r.text for r in result.reasons), number
