"""The eligibility rules as database rows: validation on save, the loader, the officials' admin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from policies import rules_loader
from policies.engine import build_ruleset, screen, validate_profile
from policies.models import EligibilityRule, Measure, Parameter, SizeRow, SizeStandard

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def rule_for(number: int) -> EligibilityRule:
    return EligibilityRule.objects.get(measure__number=number, measure__is_draft=False)


def errors_of(obj) -> dict[str, list[str]]:  # noqa: ANN001
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


# --- the fixture and the loader ------------------------------------------------------------------


def test_the_fixture_gives_every_checkable_measure_a_rule(catalogue) -> None:
    numbers = sorted(EligibilityRule.objects.values_list("measure__number", flat=True))
    assert numbers == [1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 21, 36, 46, 47, 48, 49, 50, 51, 62]
    assert SizeStandard.objects.filter(key="size_300").get().rows.count() == 45
    assert Parameter.objects.filter(key="m9_rate_large").count() == 2


def test_the_fixture_is_what_the_build_script_makes_of_the_rule_source() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "scripts/build_rules_fixture.py", "--check"], cwd=ROOT)
    assert result.returncode == 0


def test_the_rules_from_the_database_answer_like_the_rule_source(catalogue) -> None:
    from_db = rules_loader.load_ruleset()
    from_file = build_ruleset(
        json.loads((ROOT / "fixtures" / "rules_source.json").read_text(encoding="utf-8"))
    )
    for path in sorted((ROOT / "reference" / "examples" / "eligibility").glob("*.json")):
        profile = validate_profile(json.loads(path.read_text(encoding="utf-8"))["profile"])
        a, b = screen(profile, from_db), screen(profile, from_file)
        assert [(r.status, r.estimate, r.missing) for r in a.results] == [
            (r.status, r.estimate, r.missing) for r in b.results
        ]


def test_a_draft_rule_is_used_only_when_asked_for(catalogue) -> None:
    draft = Measure.objects.get(number=3).start_draft()
    rule = draft.eligibility_rules.get()
    rule.condition = {"field": "exports", "op": "==", "value": True}
    rule.save()
    profile = validate_profile({"exports": True, "owns_nev": False, "as_of": "2022-05-10"})
    assert screen(profile, rules_loader.load_ruleset()).result(3).status == "ineligible"
    assert screen(profile, rules_loader.load_ruleset(draft=draft)).result(3).status == "eligible"


def test_a_broken_rule_makes_its_measure_informational_instead_of_failing(catalogue, caplog) -> None:
    # Saved around validation, as a later change to a parameter could leave an old rule behind.
    EligibilityRule.objects.filter(pk=rule_for(3).pk).update(
        condition={"field": "nope", "op": "==", "value": 1}
    )
    ruleset = rules_loader.load_ruleset()
    assert ruleset.measure(3).condition is None
    assert ruleset.measure(47).condition is not None
    assert "rejected" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_rule_set_is_cached_until_a_rule_row_changes(catalogue) -> None:
    rules_loader.invalidate()
    first = rules_loader.load_ruleset()
    assert rules_loader.load_ruleset() is first
    version = rules_loader.ruleset_version()
    param = Parameter.objects.get(key="m46_cap_wan")
    param.value = "400"
    param.save()
    second = rules_loader.load_ruleset()
    assert second is not first
    assert rules_loader.ruleset_version() != version
    assert dict((p.key, p.value) for p in second.parameters)["m46_cap_wan"] == 400


# --- validation on save ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ({"field": "employes", "op": "<=", "value": 3}, "employes"),
        ({"field": "employees", "op": "=<", "value": 3}, "运算符"),
        ({"all": []}, "至少包含一个条件"),
        ({"all": [{"field": "exports", "op": "==", "value": True}], "any": []}, "不支持的键"),
        ({"field": "revenue_wan", "op": "<", "value": {"param": "no_such"}}, "未知的参数"),
        ({"size": "size_300", "in": ["huge"]}, "in"),
        ({"industry": ["C05"]}, "C05"),
        ("exports", "JSON对象"),
    ],
)
def test_a_bad_condition_is_a_field_error(catalogue, condition, fragment: str) -> None:
    rule = rule_for(3)
    rule.condition = condition
    errors = errors_of(rule)
    assert list(errors) == ["condition"]
    assert fragment in " ".join(errors["condition"])


def test_a_bad_estimate_and_bad_notes_are_field_errors(catalogue) -> None:
    rule = rule_for(36)
    rule.estimate = {"kind": "cap", "formula": "__import__('os')", "basis": "{wan(result)}"}
    rule.notes = [{"when": {"field": "x", "op": "==", "value": 1}, "text": "t"}]
    errors = errors_of(rule)
    assert set(errors) == {"estimate", "notes"}


def test_the_citation_must_be_quoted_from_the_measure(catalogue) -> None:
    rule = rule_for(36)
    rule.citation = "对所有项目给予全额支持。"
    assert "citation" in errors_of(rule)
    rule.citation = "对符合条件的技术改造项目给予不超过固定资产投资 15%支持"  # spacing does not matter
    rule.full_clean()


def test_one_rule_per_measure(catalogue) -> None:
    duplicate = EligibilityRule(
        measure=rule_for(3).measure,
        condition={"field": "exports", "op": "==", "value": True},
        citation="继续实施新能源汽车车船税减免优惠政策。",
    )
    assert "__all__" in errors_of(duplicate)


def test_parameter_versions_may_not_overlap(catalogue) -> None:
    overlapping = Parameter(
        key="m9_rate_large",
        label="大型企业稳岗返还比例",
        value="0.4",
        valid_from="2022-07-01",
        source="(测试)",
    )
    errors = errors_of(overlapping)
    assert "重叠" in " ".join(errors["valid_from"])


def test_a_parameter_value_must_be_a_number_or_a_date(catalogue) -> None:
    param = Parameter.objects.get(key="m10_tier_10_wan")
    param.value = "十亿"
    assert "value" in errors_of(param)
    param.value = "2022-06-01"  # a date where rule 10 compares it with the revenue
    assert "保存后第10条的资格规则将无法使用" in " ".join(errors_of(param)["__all__"])


def test_renaming_a_parameter_that_rules_use_is_refused(catalogue) -> None:
    param = Parameter.objects.get(key="m36_support_share")
    param.key = "m36_share"
    assert "第36条" in " ".join(errors_of(param)["__all__"])


def test_a_quote_from_the_plan_must_be_in_the_measure(catalogue) -> None:
    param = Parameter.objects.get(key="m46_cap_wan")
    param.quote = "单户企业最高补贴1000万元。"
    assert "quote" in errors_of(param)


def test_a_size_row_checks_its_codes_tier_and_limits(catalogue) -> None:
    standard = SizeStandard.objects.get(key="size_300")
    row = SizeRow(
        standard=standard,
        name="试验",
        codes="C05",
        tier="huge",
        limits=[{"field": "employees", "op": "=>", "value": 1}],
    )
    errors = errors_of(row)
    assert {"codes", "tier", "limits"} <= set(errors)
    assert (
        "从业人数不低于1000人"
        in SizeRow.objects.filter(standard=standard, tier="large", codes="B,C,D").get().limits_text()
    )


def test_a_size_table_without_a_catch_all_row_is_refused(catalogue) -> None:
    standard = SizeStandard.objects.get(key="size_300")
    rows = [r for r in standard.rows.all() if r.codes]
    problems = rules_loader.check_size_table(standard, rows)
    assert any("其他未列明行业" in message for _, message in problems)
    assert rules_loader.check_size_table(standard, list(standard.rows.all())) == []


def test_a_deadline_condition_is_checked_by_the_engine(catalogue) -> None:
    assert rules_loader.check_condition({"size": "refund_300", "in": ["micro"]}) == []
    assert rules_loader.check_condition({"size": "refund_300", "in": ["tiny"]})


# --- the admin ----------------------------------------------------------------------------------------


@pytest.fixture
def rules_official(tax_official):  # noqa: ANN001, ANN201
    """The 省税务局 official, with the rule permissions the officials' group grants."""
    tax_official.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="policies",
            content_type__model__in=["eligibilityrule", "parameter", "sizestandard", "sizerow"],
        )
    )
    return tax_official


def test_a_draft_shows_its_rule_inline_with_the_condition_in_words(client, rules_official) -> None:
    client.force_login(rules_official)
    draft = Measure.objects.get(number=12).start_draft()
    html = client.get(reverse("admin:policies_measure_change", args=[draft.pk])).content.decode()
    assert "资格规则" in html and "条件说明" in html
    assert "纳税信用等级为A级或B级" in html


def test_saving_a_bad_condition_in_the_admin_shows_the_error(client, rules_official) -> None:
    from tests.test_officials_admin import draft_form_data

    client.force_login(rules_official)
    draft = Measure.objects.get(number=12).start_draft()
    data = draft_form_data(client, draft)
    prefix = next(k for k in data if k.endswith("-condition") and "eligibility" in k).removesuffix(
        "-0-condition"
    )
    data[f"{prefix}-0-condition"] = json.dumps({"field": "retained_vat_credit_wan", "op": "≥", "value": 0})
    response = client.post(reverse("admin:policies_measure_change", args=[draft.pk]), data)
    assert response.status_code == 200
    assert "不支持运算符" in response.content.decode()
    data[f"{prefix}-0-condition"] = json.dumps({"field": "retained_vat_credit_wan", "op": ">=", "value": 100})
    response = client.post(reverse("admin:policies_measure_change", args=[draft.pk]), data)
    assert response.status_code == 302
    assert draft.eligibility_rules.get().condition["value"] == 100


def test_a_bad_deadline_condition_is_refused_in_the_admin(client, rules_official) -> None:
    from tests.test_officials_admin import draft_form_data

    client.force_login(rules_official)
    draft = Measure.objects.get(number=12).start_draft()
    data = draft_form_data(client, draft)
    data["deadlines-0-condition"] = json.dumps({"size": "refund_300", "in": ["tiny"]})
    response = client.post(reverse("admin:policies_measure_change", args=[draft.pk]), data)
    assert response.status_code == 200
    assert "refund_300" in response.content.decode() or "规模" in response.content.decode()


def test_an_official_edits_the_parameters_of_their_measures_only(client, rules_official) -> None:
    client.force_login(rules_official)
    own = Parameter.objects.get(key="m46_cap_wan")  # measure 46: 省工信厅, 省财政厅
    tax = Parameter.objects.get(key="m7_rate_high")  # measure 7: 省税务局
    assert client.get(reverse("admin:policies_parameter_change", args=[tax.pk])).status_code == 200
    response = client.post(reverse("admin:policies_parameter_change", args=[own.pk]), {"label": "x"})
    assert response.status_code == 403
    assert client.get(reverse("admin:policies_parameter_changelist")).status_code == 200


def test_a_parameter_in_use_cannot_be_deleted(client, superuser, catalogue) -> None:
    client.force_login(superuser)
    used = Parameter.objects.get(key="m36_support_share")
    assert client.get(reverse("admin:policies_parameter_delete", args=[used.pk])).status_code == 403


def test_only_a_superuser_changes_the_size_tables(client, rules_official, superuser) -> None:
    standard = SizeStandard.objects.get(key="size_300")
    url = reverse("admin:policies_sizestandard_change", args=[standard.pk])
    client.force_login(rules_official)
    page = client.get(url)
    assert page.status_code == 200 and "工业" in page.content.decode()
    assert client.post(url, {}).status_code == 403
    client.force_login(superuser)
    html = client.get(url).content.decode()
    assert "限值说明" in html and "从业人数不低于1000人" in html


def test_the_rule_overview_lists_every_rule_in_words(client, superuser, catalogue) -> None:
    client.force_login(superuser)
    html = client.get(reverse("admin:policies_eligibilityrule_changelist")).content.decode()
    assert "第12条" in html and "有出口业务" in html


def test_a_worker_trusts_its_cached_rules_only_for_the_configured_seconds(
    transactional_db, catalogue, settings
):
    """Another process's change is picked up after RULES_CACHE_CHECK_SECONDS; this one's at once."""
    from policies import rules_loader
    from policies.models import Parameter

    settings.RULES_CACHE_CHECK_SECONDS = 3600
    rules_loader.invalidate()
    first = rules_loader.ruleset_version()
    # A change written behind the loader's back (as another process would) is not seen yet ...
    Parameter.objects.filter(key="m46_cap_wan").update(value="600")
    assert rules_loader.ruleset_version() == first
    # ... until the trust period is over.
    settings.RULES_CACHE_CHECK_SECONDS = 0
    Parameter.objects.get(key="m46_cap_wan").save()  # a history row, as any admin save makes
    assert rules_loader.ruleset_version() != first


OVERFLOWING = "taxable_income_wan * 1000000000000000000000000000000"


def test_a_formula_that_compiles_but_fails_on_boundary_profiles_cannot_be_saved(catalogue) -> None:
    rule = rule_for(7)
    rule.estimate = {**rule.estimate, "formula": OVERFLOWING}
    errors = errors_of(rule)
    assert "无法计算" in " ".join(errors["estimate"])


def test_a_formula_failing_at_run_time_answers_needs_info_for_its_measure_only(client, catalogue) -> None:
    # Saved around validation (as an old rule could be after a parameter change).
    rule = rule_for(7)
    EligibilityRule.objects.filter(pk=rule.pk).update(estimate={**rule.estimate, "formula": OVERFLOWING})
    profile = {
        "as_of": "2022-05-10",
        "entity_type": "enterprise",
        "taxable_income_wan": 150,
        "employees": 50,
        "total_assets_wan": 800,
        "owns_nev": True,
    }
    response = client.post("/api/v1/eligibility", data=json.dumps(profile), content_type="application/json")
    assert response.status_code == 200
    results = {r["measure"]: r for r in response.json()["results"]}
    assert results[7]["status"] == "needs_info" and results[7]["missing"]
    assert any("工作人员" in reason for reason in results[7]["reasons"])
    assert results[3]["status"] == "eligible"
