"""Every /api/v1 error has the contract's shape, {"errors": [{"field", "message"}]}, in Chinese."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _assert_error_shape(response, status: int) -> list[dict]:  # noqa: ANN001
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert errors
    for error in errors:
        assert set(error) == {"field", "message"}
        assert CJK.search(error["message"]), error
    return errors


def test_a_body_over_the_upload_limit_is_a_413_in_json(client, catalogue, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    body = json.dumps({"industry": "C36", "padding": "x" * 3_000_000})
    response = client.post("/api/v1/eligibility", data=body, content_type="application/json")
    errors = _assert_error_shape(response, 413)
    assert errors[0]["field"] == "body"


def test_a_non_numeric_limit_names_the_field_in_chinese(client, catalogue) -> None:
    errors = _assert_error_shape(client.get("/api/v1/search", {"q": "留抵退税", "limit": "abc"}), 422)
    assert errors[0]["field"] == "limit"
    assert errors[0]["message"] == "limit 必须是 1 到 50 之间的整数。"


@pytest.mark.parametrize("limit", ["0", "51", "-3"])
def test_a_limit_out_of_range_is_a_422(client, catalogue, limit: str) -> None:
    errors = _assert_error_shape(client.get("/api/v1/search", {"q": "留抵退税", "limit": limit}), 422)
    assert errors[0]["field"] == "limit"


def test_an_unknown_api_path_is_a_404_in_json(client) -> None:
    _assert_error_shape(client.get("/api/v1/no-such-endpoint"), 404)


def test_a_wrong_method_is_a_405_in_json(client, catalogue) -> None:
    _assert_error_shape(client.get("/api/v1/eligibility"), 405)


def test_an_unexpected_error_is_a_logged_500_in_json_not_a_page(catalogue, monkeypatch, caplog) -> None:
    import policies.api_eligibility as endpoint

    def broken(raw: bytes) -> tuple[int, dict]:
        raise RuntimeError("boom")

    monkeypatch.setattr(endpoint, "answer_body", broken)
    client = Client(raise_request_exception=False)
    with caplog.at_level("ERROR", logger="portal.api"):
        response = client.post("/api/v1/eligibility", data="{}", content_type="application/json")
    _assert_error_shape(response, 500)
    assert "boom" not in response.content.decode()
    assert any("Unhandled error" in r.getMessage() for r in caplog.records)


def test_a_production_500_is_json_too(catalogue, monkeypatch, settings) -> None:
    settings.DEBUG = False
    import policies.api_eligibility as endpoint

    monkeypatch.setattr(endpoint, "answer_body", lambda raw: 1 / 0)
    response = Client(raise_request_exception=False).post(
        "/api/v1/eligibility", data="{}", content_type="application/json"
    )
    _assert_error_shape(response, 500)


def test_unparseable_json_is_a_400_in_the_same_shape(client, catalogue) -> None:
    _assert_error_shape(client.post("/api/v1/eligibility", data="{", content_type="application/json"), 400)
