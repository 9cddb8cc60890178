"""Impact preview: golden cases and saved profiles that a rule change would move, shown before publishing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from enterprises.models import Receipt
from enterprises.selfcheck.receipts import save_receipt
from policies import impact, screening
from policies.engine import build_ruleset
from policies.models import GoldenCase

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "reference" / "examples" / "eligibility"


@pytest.fixture
def golden_cases(catalogue) -> None:  # noqa: ANN001
    """The golden cases, seeded with the catalogue (`load_catalogue`) from fixtures/golden_cases.json."""
    assert GoldenCase.objects.exists()


def rules_data() -> dict[str, Any]:
    return json.loads((ROOT / "fixtures" / "rules_source.json").read_text(encoding="utf-8"))


def raise_rd_threshold(condition: Any, threshold: int) -> Any:
    """A condition tree with its "R&D expense > 0" leaf asking for more than ``threshold`` 万元."""
    if isinstance(condition, dict):
        if condition.get("field") == "rd_expense_wan" and condition.get("op") == ">":
            return {**condition, "value": threshold}
        return {key: raise_rd_threshold(value, threshold) for key, value in condition.items()}
    if isinstance(condition, list):
        return [raise_rd_threshold(item, threshold) for item in condition]
    return condition


def with_rd_threshold(data: dict[str, Any], threshold: int) -> dict[str, Any]:
    """Measure 11 asking for R&D expense above ``threshold`` 万元 instead of above 0."""
    changed = copy.deepcopy(data)
    rule = next(m for m in changed["measures"] if m["number"] == 11)
    rule["condition"] = raise_rd_threshold(rule["condition"], threshold)
    assert rule["condition"] != next(m for m in data["measures"] if m["number"] == 11)["condition"]
    return changed


def example_profile(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))["profile"]


def test_the_golden_cases_fixture_holds_every_shared_example_and_passes_the_published_rules(
    golden_cases, catalogue
):
    from policies.admin_golden import _mismatches

    names = sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))
    assert sorted(GoldenCase.objects.values_list("name", flat=True)) == names
    for case in GoldenCase.objects.all():
        assert _mismatches(case) == [], case.name


def test_a_stricter_rule_shows_which_golden_cases_and_saved_profiles_lose_the_measure(
    golden_cases, catalogue
):
    before = build_ruleset(rules_data())
    after = build_ruleset(with_rd_threshold(rules_data(), 100))
    # Saved profiles: R&D 300 (keeps measure 11), R&D 60 (loses it), twice the same R&D 20 profile.
    save_receipt(example_profile("manufacturing-small-many-benefits"))
    save_receipt(example_profile("small-low-profit-limit"))
    save_receipt(example_profile("retail-small-but-refund-medium"))
    save_receipt(example_profile("retail-small-but-refund-medium"))

    result = impact.preview(before, after, [11])
    changed = {c.case.name: c.changes for c in result.changed_cases}
    assert set(changed) == {"small-low-profit-limit"}
    (change,) = changed["small-low-profit-limit"]
    assert (change.measure, change.before, change.after, change.direction) == (
        11,
        "eligible",
        "ineligible",
        "loss",
    )
    assert [c.broken() for c in result.changed_cases] == [[change]]

    profiles = result.profiles
    assert (profiles.profiles, profiles.receipts) == (3, 4)
    assert (profiles.gains, profiles.losses, profiles.others, profiles.changed_profiles) == (0, 1, 0, 1)
    token, changes = profiles.examples[0]
    assert Receipt.objects.get(token=token).profile["rd_expense_wan"] == 60
    assert changes == [screening.StatusChange(11, "eligible", "ineligible")]


def test_a_looser_rule_counts_gains_and_a_new_measure_counts_as_absent_before(golden_cases, catalogue):
    strict = build_ruleset(with_rd_threshold(rules_data(), 1000))
    loose = build_ruleset(rules_data())
    save_receipt(example_profile("software-tech-sme"))
    result = impact.preview(strict, loose, [11])
    assert result.profiles.gains == 1
    gained = {c.case.name for c in result.changed_cases}
    assert {"software-tech-sme", "manufacturing-small-many-benefits", "small-low-profit-limit"} <= gained

    without_11 = rules_data()
    without_11["measures"] = [m for m in without_11["measures"] if m["number"] != 11]
    result = impact.preview(build_ruleset(without_11), loose, [11])
    change = result.profiles.examples[0][1][0]
    assert change.before == screening.ABSENT and change.before_label == "(无此条)"


def test_an_unchanged_rule_moves_nothing(golden_cases, catalogue):
    rules = build_ruleset(rules_data())
    save_receipt(example_profile("software-tech-sme"))
    result = impact.preview(rules, rules, [7, 11, 12])
    assert result.changed_cases == [] and result.profiles.changed == 0


def test_the_publish_page_shows_the_impact_preview_section(client, superuser, catalogue, golden_cases):
    from policies.models import Measure

    client.force_login(superuser)
    draft = Measure.objects.get(number=11, is_draft=False).start_draft()
    html = client.get(f"/admin/policies/measure/{draft.pk}/publish/").content.decode()
    assert 'id="impact-preview"' in html
    assert "影响预览" in html
    assert "所有基准案例的结果都不变" in html


def test_golden_cases_are_validated_in_the_admin(client, superuser, catalogue):
    client.force_login(superuser)
    response = client.post(
        "/admin/policies/goldencase/add/",
        {
            "name": "bad-case",
            "description": "",
            "profile": json.dumps({"employees": -3, "colour": "red"}),
            "expected": json.dumps({"7": {"status": "maybe"}, "x": {}}),
            "expected_size_class_300": "",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "从业人数不能为负数" in html and "不支持的字段“colour”" in html
    assert "第7条的 status 应为" in html and "“x”不是条款序号" in html
    assert not GoldenCase.objects.filter(name="bad-case").exists()


def test_the_golden_case_list_checks_each_case_against_the_published_rules(
    client, superuser, catalogue, golden_cases
):
    GoldenCase.objects.filter(name="loss-making").update(expected={"7": {"status": "eligible"}})
    client.force_login(superuser)
    html = client.get("/admin/policies/goldencase/").content.decode()
    assert "✓ 全部符合预期" in html
    assert "✗ 1条与预期不符:第7条" in html


def stricter_draft_of_measure_11(threshold: int):  # noqa: ANN201
    """An official's draft of measure 11 asking for R&D expense above ``threshold`` 万元."""
    from policies.models import Measure

    draft = Measure.objects.get(number=11, is_draft=False).start_draft()
    rule = draft.eligibility_rules.get()
    stricter = raise_rd_threshold(rule.condition, threshold)
    assert stricter != rule.condition
    rule.condition = stricter
    rule.full_clean()
    rule.save()
    return draft


def test_the_publish_page_previews_what_a_stricter_draft_rule_would_take_away(client, superuser, catalogue):
    save_receipt(example_profile("small-low-profit-limit"))  # R&D 60万元: loses measure 11
    save_receipt(example_profile("software-tech-sme"))  # R&D 400万元: keeps it
    draft = stricter_draft_of_measure_11(100)
    client.force_login(superuser)
    html = client.get(f"/admin/policies/measure/{draft.pk}/publish/").content.decode()
    section = html[html.index('id="impact-preview"') :]
    section = section[: section.index("</form>")]
    assert "(第11条)" in section
    cases = section[: section.index("已保存的企业自测结果")]
    assert "small-low-profit-limit" in cases and "不再可享受" in cases and "与预期不符" in cases
    assert "software-tech-sme" not in cases
    saved = section[section.index("已保存的企业自测结果") :]
    assert "检查了 2 份不同的企业情况(共 2 份自测结果)" in saved
    assert "不再可享受 1 份" in saved and "新增可享受 0 份" in saved
    # Nothing is published by looking.
    assert client.get("/check/").status_code == 200
    assert screening.screen_profile(example_profile("small-low-profit-limit")).result(11).status == "eligible"


# --- the fast path (issue 13, item 5): same answer as screening every profile -----------------


def generated_profiles(n: int, seed: int) -> list[dict[str, Any]]:
    """Varied profiles over the fields the measures read: many equal on some measure's fields."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        profile: dict[str, Any] = {
            "industry": rng.choice(["C", "C36", "F52", "I65", "M73", "A01"]),
            "entity_type": rng.choice(["enterprise", "individual_business"]),
            "employees": rng.choice([5, 50, 120, 300, 1200]),
            "revenue_wan": rng.choice([80, 450, 1200, 9000, 52000]),
            "total_assets_wan": rng.choice([300, 4000, 6000, 80000]),
            "taxable_income_wan": rng.choice([-20, 50, 280, 400]),
            "vat_taxpayer": rng.choice(["small_scale", "general"]),
            "tax_credit_rating": rng.choice("ABMD"),
            "is_tech_sme": rng.random() < 0.3,
            "rd_expense_wan": rng.choice([0, 20, 60, 300]),
            "retained_vat_credit_wan": rng.choice([0, 3, 12]),
            "exports": rng.random() < 0.3,
            "owns_nev": rng.random() < 0.3,
            "as_of": rng.choice(["2022-04-20", "2022-07-01", "2022-12-30", "2023-03-01"]),
        }
        for name in list(profile):
            if rng.random() < 0.2:
                del profile[name]  # unknown (as_of too: the screening day is then today)
        out.append(profile)
    return out


def reference_impact(before: Any, after: Any, measures: list[int]) -> impact.ProfileImpact:
    """The previous implementation: every distinct saved profile validated and screened in full."""
    stats = impact.ProfileImpact()
    for entry in Receipt.objects.distinct_profiles():
        stats.profiles += 1
        stats.receipts += entry["count"]
        found = screening.changes_for(entry["profile"], before, after, measures)
        if found:
            stats.changed_profiles += 1
            for change in found:
                counter = impact._COUNTER[change.direction]
                setattr(stats, counter, getattr(stats, counter) + entry["count"])
            if len(stats.examples) < impact.MAX_EXAMPLES:
                stats.examples.append((entry["token"], found))
    return stats


def summary(stats: impact.ProfileImpact) -> tuple[Any, ...]:
    return (
        stats.profiles,
        stats.receipts,
        stats.gains,
        stats.losses,
        stats.others,
        stats.changed_profiles,
        [(str(token), changes) for token, changes in stats.examples],
    )


def save_raw(profile: Any) -> Receipt:
    """A receipt stored as is (a profile saved under an older contract, or re-saved)."""
    import datetime

    return Receipt.objects.create(
        profile=profile, as_of=datetime.date(2022, 5, 1), rules_version="t", answer={}
    )


def test_screening_distinct_field_combinations_gives_the_answer_of_screening_every_profile(catalogue):
    data = rules_data()
    profiles = generated_profiles(300, seed=13)
    for profile in profiles:
        save_raw(profile)
    for profile in profiles[:40]:
        save_raw(profile)  # re-saved: counted as receipts, not as distinct profiles
    # Stored profiles the contract no longer accepts, wrong only in a field measure 11 does not
    # read: the read fields alone would change, the whole profile is not compared.
    save_raw({**example_profile("small-low-profit-limit"), "layoff_rate_pct": 250})
    save_raw({**example_profile("small-low-profit-limit"), "no_such_field": 1})
    save_raw([1, 2])

    without_3 = {**data, "measures": [m for m in data["measures"] if m["number"] != 3]}
    params = copy.deepcopy(data)
    for item in params["parameters"]:
        if item["key"].startswith("m12"):
            continue
        if str(item["value"]).isdigit():
            item["value"] = str(int(item["value"]) * 2)
    all_checkable = [m.number for m in build_ruleset(data).measures if m.condition is not None]
    changes = [
        (build_ruleset(data), build_ruleset(with_rd_threshold(data, 50)), [11]),
        (build_ruleset(with_rd_threshold(data, 50)), build_ruleset(data), [11]),
        (build_ruleset(data), build_ruleset(without_3), [3]),
        (build_ruleset(data), build_ruleset(params), all_checkable),
        (build_ruleset(data), build_ruleset(data), [7, 11, 12]),
    ]
    for before, after, measures in changes:
        fast = impact.profile_impact(before, after, measures)
        assert summary(fast) == summary(reference_impact(before, after, measures)), measures
        assert not fast.estimated
    moved = impact.profile_impact(changes[0][0], changes[0][1], [11])
    assert moved.losses > 0 and moved.screened < moved.profiles  # it did have combinations in common


def test_above_the_sample_size_the_answer_is_an_estimate_and_says_so(catalogue):
    data = rules_data()
    for profile in generated_profiles(120, seed=5):
        save_raw(profile)
    before, after = build_ruleset(data), build_ruleset(with_rd_threshold(data, 50))
    exact = impact.profile_impact(before, after, [11])
    estimate = impact.profile_impact(before, after, [11], sample=40)
    assert not exact.estimated and exact.sampled == 0
    assert estimate.estimated and estimate.sampled == 40
    assert (estimate.profiles, estimate.receipts) == (exact.profiles, exact.receipts)  # totals are counted
    assert 0 < estimate.losses <= exact.receipts  # scaled from the sample to all receipts
    # Each sampled profile is screened exactly: its examples are what screening it in full gives.
    for token, changes in estimate.examples:
        assert changes == screening.changes_for(Receipt.objects.get(token=token).profile, before, after, [11])

    html = impact_html(before, after, sample=40)
    assert "估算" in html and "40" in html and "按比例推算" in html
    assert "估算" not in impact_html(before, after, sample=None)


def impact_html(before: Any, after: Any, sample: int | None) -> str:
    from django.template.loader import render_to_string

    result = impact.preview(before, after, [11], sample=sample)
    return render_to_string("admin/enterprises/impact_preview.html", {"impact": result})
