"""The public catalogue API: GET /api/v1/measures, /api/v1/measures/{number}, the OpenAPI document."""

import pytest

pytestmark = pytest.mark.django_db


def test_measures_lists_all_70_published_measures_in_order(client, catalogue):
    response = client.get("/api/v1/measures")
    assert response.status_code == 200
    data = response.json()
    assert [m["number"] for m in data] == list(range(1, 71))
    first = data[0]
    # The contract's fields plus `document` (docs/api-extensions.md).
    assert set(first) == {
        "number",
        "document",
        "title",
        "category",
        "responsible_units",
        "valid_from",
        "valid_until",
        "url",
    }
    assert first["document"] == "晋政办发〔2022〕34号"
    assert first["valid_from"] == "2022-01-01"
    assert first["url"].endswith("/measures/1/")


def test_units_are_listed_exactly_as_the_source_writes_them(client, catalogue):
    by_number = {m["number"]: m for m in client.get("/api/v1/measures").json()}
    assert by_number[12]["responsible_units"] == ["省税务局"]
    assert by_number[13]["responsible_units"] == ["人行太原中心支行", "山西银保监局"]
    assert by_number[70]["responsible_units"] == ["省发展改革委", "省工信厅", "省有关单位"]
    assert by_number[5]["valid_until"] == "2024-12-31"


def test_one_measure_has_its_text_summary_and_deadlines(client, catalogue):
    response = client.get("/api/v1/measures/12")
    assert response.status_code == 200
    data = response.json()
    assert "6月底前一次性全部退还" in data["text"]
    assert data["summary"]
    assert {"date": "2022-06-30", "label": data["deadlines"][-1]["label"]} in data["deadlines"]
    assert [d["date"] for d in data["deadlines"]] == ["2022-04-30", "2022-06-30"]


@pytest.mark.parametrize("number", ["0", "71", "999999", "99999999999999999999", "abc", "-1", "１２"])
def test_unknown_or_malformed_numbers_are_404_not_500(client, catalogue, number):
    response = client.get(f"/api/v1/measures/{number}")
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "number"


def test_draft_measures_are_invisible_to_the_api(client, catalogue):
    from policies.models import Measure

    measure = Measure.objects.get(number=12)
    draft = measure.start_draft()
    draft.summary = "草稿中的新解读"
    draft.save()
    assert client.get("/api/v1/measures/12").json()["summary"] != "草稿中的新解读"
    assert len(client.get("/api/v1/measures").json()) == 70


def test_the_openapi_document_describes_the_contract_paths(client, catalogue):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/measures" in paths
    assert "/api/v1/measures/{number}" in paths
