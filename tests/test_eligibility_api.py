"""POST /api/v1/eligibility and `manage.py check_eligibility`, exactly as the API contract says."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.models import Parameter

EXAMPLES = sorted(
    (Path(__file__).resolve().parent.parent / "reference" / "examples" / "eligibility").glob("*.json")
)
URL = "/api/v1/eligibility"

pytestmark = pytest.mark.django_db


def post(client, body: Any, raw: bool = False):  # noqa: ANN001, ANN201
    data = body if raw else json.dumps(body, ensure_ascii=False)
    return client.post(URL, data=data, content_type="application/json")


def example(name: str) -> dict[str, Any]:
    return json.loads(next(p for p in EXAMPLES if p.stem == name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_shared_example_gets_its_expected_answer_through_the_api(client, catalogue, path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    response = post(client, case["profile"])
    assert response.status_code == 200
    answer = response.json()
    assert answer["size"]["size_class_300"] == case["expect"]["size_class_300"]
    results = {r["measure"]: r for r in answer["results"]}
    for number, wanted in case["expect"]["measures"].items():
        result = results[int(number)]
        assert result["status"] == wanted["status"], (number, result["reasons"])
        if "amount_yuan" in wanted:
            assert result["estimate"]["amount_yuan"] == wanted["amount_yuan"]
            assert result["estimate"]["kind"] == wanted["kind"]


def test_the_answer_has_the_contracts_shape(client, catalogue) -> None:
    answer = post(client, example("manufacturing-small-many-benefits")["profile"]).json()
    assert answer["as_of"] == "2022-05-10"
    assert answer["size"] == {"sme_2022_equipment": True, "size_class_300": "small"}
    assert [r["measure"] for r in answer["results"]] == list(range(1, 71))
    seven = answer["results"][6]
    assert {
        "measure",
        "title",
        "status",
        "in_force",
        "reasons",
        "missing",
        "estimate",
        "deadlines",
        "responsible_units",
    } <= set(seven)
    assert seven["estimate"] == {
        "amount_yuan": 325000,
        "kind": "tax_saving",
        "basis": "150万元 × 25% − (100万元 × 2.5% + 50万元 × 5%) = 32.5万元",
    }
    assert "应纳税所得额150万元" in " ".join(seven["reasons"])
    assert seven["responsible_units"] == ["省税务局", "省财政厅"]
    assert seven["in_force"] is True
    twelve = answer["results"][11]
    assert twelve["deadlines"] == [{"date": "2022-06-30", "label": "小型企业等存量留抵税额集中退还"}]
    assert answer["results"][69]["status"] == "informational"


def test_unknown_fields_are_named_as_missing(client, catalogue) -> None:
    answer = post(client, {"as_of": "2022-05-01", "industry": "C", "employees": 50}).json()
    eleven = answer["results"][10]
    assert eleven["status"] == "needs_info"
    assert eleven["missing"] == ["industry", "entity_type", "rd_expense_wan"]
    assert answer["size"]["size_class_300"] is None


@time_machine.travel("2022-07-20 10:00 +0800", tick=False)
def test_as_of_defaults_to_today_in_shanghai(client, catalogue) -> None:
    assert post(client, {}).json()["as_of"] == "2022-07-20"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "{",
        "{'employees': 1}",
        '{"employees": NaN}',
        '{"a": Infinity}',
        "[1,]",
        "1" * 5000,
        "[" * 100000,
        b"\xff\xfe{}",
    ],
    ids=[
        "empty",
        "unclosed",
        "single-quotes",
        "nan",
        "infinity",
        "trailing-comma",
        "huge-int",
        "deep",
        "bad-utf8",
    ],
)
def test_a_body_that_is_not_json_is_400(client, catalogue, body: Any) -> None:
    response = post(client, body, raw=True)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_every_bad_field_is_named_with_422(client, catalogue) -> None:
    response = post(
        client,
        {
            "employees": "many",
            "revenue_wan": -3,
            "industry": "C99",
            "colour": "blue",
            "exports": "yes",
            "equipment": [
                {"unit_value_wan": 600, "min_depreciation_years": 7, "purchase_date": "2022-02-30"}
            ],
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "employees",
        "revenue_wan",
        "industry",
        "colour",
        "exports",
        "equipment[0].min_depreciation_years",
        "equipment[0].purchase_date",
    }
    assert all(e["message"] for e in response.json()["errors"])


@pytest.mark.parametrize("body", [[], None, "text", 3])
def test_a_json_body_that_is_not_an_object_is_422(client, catalogue, body: Any) -> None:
    response = post(client, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_only_published_measures_are_answered(client, catalogue) -> None:
    from policies.models import Measure

    measure = Measure.objects.get(number=12)
    draft = measure.start_draft()
    rule = draft.eligibility_rules.get()
    rule.condition = {"field": "retained_vat_credit_wan", "op": ">", "value": 1000}
    rule.full_clean()
    rule.save()
    profile = example("manufacturing-small-many-benefits")["profile"]
    assert post(client, profile).json()["results"][11]["status"] == "eligible"
    draft.publish()
    assert post(client, profile).json()["results"][11]["status"] == "ineligible"

    Measure.objects.get(number=70).delete()
    numbers = [r["measure"] for r in post(client, profile).json()["results"]]
    assert 70 not in numbers and len(numbers) == 69


def test_a_new_parameter_version_changes_the_answer_from_its_first_day(client, catalogue) -> None:
    profile = example("large-construction-after-june")["profile"]
    current = Parameter.objects.get(key="m9_rate_large", valid_from="2022-06-01")
    current.valid_until = "2022-06-30"
    current.full_clean()
    current.save()
    new = Parameter(
        key="m9_rate_large",
        label="大型企业稳岗返还比例",
        value="0.6",
        unit="比例",
        valid_from="2022-07-01",
        measure_number=9,
        source="(测试)",
    )
    new.full_clean()
    new.save()
    assert (
        post(client, {**profile, "as_of": "2022-06-30"}).json()["results"][8]["estimate"]["amount_yuan"]
        == 900000
    )
    assert post(client, profile).json()["results"][8]["estimate"]["amount_yuan"] == 1080000


def test_the_openapi_document_describes_the_endpoint_and_the_profile(client, catalogue) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    operation = paths[URL]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False
    employees = schema["properties"]["employees"]
    # null is taken for every field (the same as leaving it out), and the contract's ranges hold.
    assert employees["type"] == ["integer", "null"]
    assert (employees["minimum"], employees["maximum"]) == (0, 10_000_000)
    taxable = schema["properties"]["taxable_income_wan"]
    assert (taxable["minimum"], taxable["maximum"]) == (-1_000_000_000, 1_000_000_000)
    assert schema["properties"]["equipment"]["maxItems"] == 100
    for name in ("vat_refund_clean_record", "revenue_tier_first_reached", "first_batch_in_catalogue"):
        assert schema["properties"][name]["type"] == ["boolean", "null"]
    limit = next(p for p in paths["/api/v1/search"]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 50)
    assert schema["properties"]["equipment"]["items"]["properties"]["min_depreciation_years"]["enum"] == [
        3,
        4,
        5,
        10,
    ]
    assert {"200", "400", "422"} <= set(operation["responses"])


def test_the_command_prints_the_same_json_as_the_api(client, catalogue, tmp_path) -> None:
    profile = example("software-tech-sme")["profile"]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("check_eligibility", str(path), stdout=out)
    assert json.loads(out.getvalue()) == post(client, profile).json()


def test_the_command_prints_the_errors_and_fails_on_a_bad_profile(catalogue, tmp_path) -> None:
    path = tmp_path / "profile.json"
    path.write_text('{"employees": -1}', encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_eligibility", str(path), stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["field"] == "employees"
    with pytest.raises(CommandError, match="无法读取"):
        call_command("check_eligibility", str(tmp_path / "absent.json"), stdout=out)


# --- fuzzing ------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
PROFILE_KEYS = [
    "as_of",
    "industry",
    "entity_type",
    "employees",
    "revenue_wan",
    "total_assets_wan",
    "taxable_income_wan",
    "vat_taxpayer",
    "tax_credit_rating",
    "is_tech_sme",
    "rd_expense_wan",
    "equipment",
    "layoff_rate_pct",
    "exports",
    "ui_premium_last_year_wan",
]
NEAR_VALID = st.one_of(
    JSON_VALUES,
    st.sampled_from(
        ["2022-05-10", "2022-02-30", "C36", "C", "K701", "C05", "enterprise", "small_scale", "A"]
    ),
    st.lists(
        st.fixed_dictionaries(
            {
                "unit_value_wan": JSON_VALUES,
                "min_depreciation_years": st.sampled_from([3, 4, 6, "3", None]),
                "purchase_date": st.sampled_from(["2022-03-01", "2022-13-01", 20220301]),
            }
        ),
        max_size=2,
    ),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.dictionaries(st.sampled_from(PROFILE_KEYS), NEAR_VALID, max_size=8),
        JSON_VALUES,
    )
)
def test_no_body_ever_gets_a_500(client, catalogue, body: Any) -> None:
    try:
        raw = json.dumps(body, allow_nan=True)
    except (ValueError, RecursionError):
        return
    response = post(client, raw, raw=True)
    assert response.status_code in (200, 400, 422), response.content[:500]
    data = response.json()
    if response.status_code == 200:
        assert len(data["results"]) == 70
        assert all(
            r["status"] in ("eligible", "ineligible", "needs_info", "informational") for r in data["results"]
        )
    else:
        assert data["errors"] and all(isinstance(e["field"], str) and e["message"] for e in data["errors"])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.binary(max_size=64))
def test_arbitrary_bytes_get_a_400_or_an_answer(client, catalogue, raw: bytes) -> None:
    response = client.post(URL, data=raw, content_type="application/json")
    assert response.status_code in (200, 400, 422)


# --- contract 1.1: ranges, and properties over the whole profile space ---------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tech_retrofit_investment_wan", 1e20),
        ("rd_expense_wan", 1e300),
        ("retained_vat_credit_wan", 1e300),
        ("taxable_income_wan", -1_000_000_001),
        ("employees", 10_000_001),
        ("layoff_rate_pct", 100.5),
        ("as_of", "1999-12-31"),
        ("as_of", "2100-01-01"),
    ],
)
def test_a_value_outside_the_contracts_range_is_a_422_naming_the_field(
    client, catalogue, field, value
) -> None:
    response = post(client, {field: value})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_equipment_values_and_counts_have_ranges_too(client, catalogue) -> None:
    item = {"unit_value_wan": 1e300, "min_depreciation_years": 3, "purchase_date": "2022-06-01"}
    assert post(client, {"equipment": [item]}).json()["errors"][0]["field"] == "equipment[0].unit_value_wan"
    fine = {**item, "unit_value_wan": 1_000_000_000}
    assert post(client, {"equipment": [fine] * 100}).status_code == 200
    assert post(client, {"equipment": [fine] * 101}).json()["errors"][0]["field"] == "equipment"


def test_a_date_before_the_plan_gets_an_answer(client, catalogue) -> None:
    response = post(client, {"as_of": "2021-12-31"})
    assert response.status_code == 200
    for result in response.json()["results"]:
        if result["status"] == "needs_info":
            assert result["missing"], result["measure"]


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(profile=st.deferred(lambda: _profiles()))
def test_any_profile_in_range_gets_a_200_that_keeps_the_contracts_promises(
    client, catalogue, profile
) -> None:
    from tests.engine.test_settled_answers import check_answer_invariants

    response = post(client, profile)
    assert response.status_code == 200, response.content[:300]
    check_answer_invariants(response.json())


def _profiles():  # noqa: ANN202
    from tests.engine.test_settled_answers import profiles

    return profiles()
