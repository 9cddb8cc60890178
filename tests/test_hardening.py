"""Issue 10: nobody can break the portal for others (malformed input, the subscription API, client addresses)."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from enterprises.models import Subscription
from policies.models import Measure

pytestmark = pytest.mark.django_db

DEEP = 50_000


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    """Execute transaction.on_commit callbacks (task enqueues) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- finding 9: malformed input is a 4xx or a field error, never a 500 ---------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [("unit=²", "责任单位"), ("unit=١٢", "责任单位"), ("category=%00", "类别"), ("category=a%00b", "类别")],
)
def test_malformed_measure_filters_are_explained(client, catalogue, query, field):
    response = client.get(f"/measures/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "alert-warning" in html and f"未找到该{field}" in html and "第1条" in html


def test_a_50000_deep_profile_is_a_400_from_the_api(client, catalogue):
    body = '{"email": "caiwu@example.com", "profile": ' + "[" * DEEP + "]" * DEEP + "}"
    response = client.post("/api/v1/subscriptions", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    assert not Subscription.objects.exists()


def test_a_50000_deep_profile_is_a_form_error_on_the_subscription_form(client, catalogue):
    response = client.post(
        reverse("enterprises:subscribe"),
        {
            "email": "caiwu@example.com",
            "consent": "on",
            "profile": "[" * DEEP + "]" * DEEP,
        },
    )
    assert response.status_code in (200, 400)
    assert "企业情况数据无法识别" in response.content.decode()
    assert not Subscription.objects.exists()


BAD_JSON = [
    ("NaN", "NaN"),
    ("1e400", "超出范围"),
    ('{"field": "employees", "op": ">=", "value": "a\\u0000"}', "空字符"),
    ('{"not": ' * 3000 + '{"field": "employees", "op": ">=", "value": 1}' + "}" * 3000, "嵌套层级过深"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_JSON)
def test_admin_json_fields_refuse_what_would_crash(client, superuser, catalogue, raw, message):
    """A draft's rule condition in the measure admin: a field error naming the problem."""
    measure = Measure.objects.get(number=9).start_draft()
    url = reverse("admin:policies_measure_change", args=[measure.pk])
    client.force_login(superuser)
    form = client.get(url).context["adminform"].form
    data = {}
    page = client.get(url)
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-{k}": v for k, v in fs.management_form.initial.items()})
        for i, f in enumerate(fs.forms):
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if value is None:
                    continue
                if hasattr(value, "pk"):
                    value = value.pk
                if name in ("condition", "estimate", "notes", "limits") and not isinstance(value, str):
                    value = json.dumps(value, ensure_ascii=False)
                data[f"{fs.prefix}-{i}-{name}"] = value
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    rule_prefix = next(k for k in data if k.endswith("-condition") and "rule" in k.lower())
    data[rule_prefix] = raw
    response = client.post(url, data)
    assert response.status_code == 200, response.status_code
    assert message in response.content.decode()


@pytest.mark.parametrize(("raw", "message"), BAD_JSON)
def test_golden_case_profiles_refuse_what_would_crash(client, superuser, catalogue, raw, message):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:policies_goldencase_add"),
        {
            "name": "x",
            "description": "",
            "profile": raw,
            "expected": "{}",
            "expected_size_class_300": "",
        },
    )
    assert response.status_code == 200 and message in response.content.decode()


# --- finding 11: the subscription API --------------------------------------------------------------


def post(client: Client, body: object, content_type: str = "application/json"):  # noqa: ANN201
    return client.post("/api/v1/subscriptions", data=json.dumps(body), content_type=content_type)


def test_one_pending_confirmation_per_address_whatever_the_profiles(client, catalogue, run_on_commit):
    with run_on_commit():
        for employees in range(1, 6):
            assert (
                post(client, {"email": "victim@example.com", "profile": {"employees": employees}}).status_code
                == 202
            )
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_only_json_bodies_are_accepted(client, catalogue, content_type):
    response = client.generic(
        "POST",
        "/api/v1/subscriptions",
        json.dumps({"email": "a@example.com", "profile": {}}).encode(),
        content_type=content_type,
    )
    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["field"] == "body" and "JSON" in error["message"]
    assert not Subscription.objects.exists()


def test_the_answer_does_not_reveal_state_or_ids(client, catalogue, run_on_commit):
    with run_on_commit():
        first = post(client, {"email": "a@example.com", "profile": {}})
    Subscription.objects.update(confirmed_at="2022-06-01T00:00:00+08:00")
    again = post(client, {"email": "a@example.com", "profile": {}})
    other = post(client, {"email": "b@example.com", "profile": {}})
    assert first.json() == again.json() == other.json()
    assert "id" not in first.json() and "confirmed" not in json.dumps(first.json())


# --- finding 4: forged client addresses --------------------------------------------------------------


@pytest.fixture
def proxied(settings, rate_window):  # noqa: ANN001, ANN201
    """Compose's settings: one proxy, trusted only from its own address."""
    settings.PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["172.28.0.10"]
    settings.RATE_LIMIT_ENABLED = True
    return settings


def test_x_forwarded_for_from_anyone_but_the_proxy_is_ignored(rf, proxied):
    from portal.security import client_ip

    direct = rf.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(direct) == "198.51.100.9"
    via_proxy = rf.get("/", REMOTE_ADDR="172.28.0.10", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(via_proxy) == "203.0.113.7"
    proxied.TRUSTED_PROXIES = ["172.28.0.0/24"]
    chained = rf.get("/", REMOTE_ADDR="172.28.0.10", HTTP_X_FORWARDED_FOR="203.0.113.7, 172.28.0.11")
    assert client_ip(chained) == "172.28.0.11", "PROXY_COUNT hops at most"
    proxied.PROXY_COUNT = 2
    assert client_ip(chained) == "203.0.113.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="172.28.0.10", HTTP_X_FORWARDED_FOR="junk")) == "172.28.0.10"


def test_a_direct_caller_cannot_lock_out_a_real_user_by_forging_their_address(proxied, superuser):
    """Five failures sent straight to gunicorn with the victim's address count against the sender."""
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(5):
        attacker.post(
            reverse("admin:login"),
            {"username": "admin", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    victim = Client(REMOTE_ADDR="172.28.0.10")
    response = victim.post(
        reverse("admin:login"),
        {"username": "admin", "password": "correct-horse-battery-9"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert response.status_code == 302


def test_rate_limits_trip_whatever_x_forwarded_for_a_direct_caller_sends(proxied, catalogue):
    proxied.RATE_LIMITS = [("GET", "/measures/", 2)]
    caller = Client(REMOTE_ADDR="198.51.100.9")
    codes = [caller.get("/measures/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(3)]
    assert codes[-1] == 429


def test_compose_publishes_only_the_tls_proxy_and_trusts_only_its_address():
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parent.parent
    stack = yaml.safe_load((root / "docker-compose.yml").read_text())
    published = {name for name, service in stack["services"].items() if service.get("ports")}
    assert published == {"proxy"}
    proxy_address = stack["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert stack["x-portal"]["environment"]["DJANGO_TRUSTED_PROXIES"] == proxy_address
    assert "reverse_proxy web:8000" in (root / "deploy" / "Caddyfile").read_text()
