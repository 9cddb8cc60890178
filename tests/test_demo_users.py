"""`create_demo_users` gives a trial one working account for every role, each where it belongs."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client


def _credentials(output: str) -> dict[str, str]:
    return dict(re.findall(r"(demo_\w+) / (\S+)", output))


@pytest.mark.django_db
def test_every_demo_account_signs_in_where_its_role_works(catalogue, settings) -> None:
    settings.SITE_URL = "http://127.0.0.1:8123"
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    credentials = _credentials(out.getvalue())
    assert set(credentials) == {"demo_admin", "demo_official", "demo_reviewer", "demo_hotline"}
    assert "http://127.0.0.1:8123/hotline/" in out.getvalue()

    for username in ("demo_admin", "demo_official", "demo_reviewer"):
        client = Client()
        assert client.login(username=username, password=credentials[username])
        assert client.get("/admin/policies/measure/").status_code == 200, username

    agent = Client()
    assert agent.login(username="demo_hotline", password=credentials["demo_hotline"])
    assert agent.get("/hotline/").status_code == 200
    assert agent.get("/admin/policies/measure/").status_code == 302  # not staff: the admin is not for agents


@pytest.mark.django_db
def test_running_it_again_resets_the_passwords(catalogue) -> None:
    first, second = StringIO(), StringIO()
    call_command("create_demo_users", stdout=first)
    call_command("create_demo_users", stdout=second)
    assert _credentials(first.getvalue())["demo_hotline"] != _credentials(second.getvalue())["demo_hotline"]
    client = Client()
    assert client.login(username="demo_hotline", password=_credentials(second.getvalue())["demo_hotline"])
