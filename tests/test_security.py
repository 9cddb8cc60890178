"""Security hardening: production settings, CSP, CSRF, login lockout, staff sessions, rate limits, staff pages."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
import yaml
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-9"
RATE_LIMITED = "请求过于频繁,请稍后再试。"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # noqa: ANN001, ANN201
    """These tests sign in dozens of times; the production hasher takes most of a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- production settings ---------------------------------------------------------------------


def compose_environment(secret: str) -> dict[str, str]:
    """The x-portal environment of docker-compose.yml, with ${VAR:-default} / ${VAR:?} resolved."""
    block = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-portal"]["environment"]
    supplied = {"DJANGO_SECRET_KEY": secret}

    def resolve(match: re.Match) -> str:
        name, default = match.group(1), match.group(3) or ""
        if name in supplied:
            return supplied[name]
        assert match.group(2) != ":?", f"compose requires {name} and the test does not supply it"
        return default

    return {k: re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", resolve, str(v)) for k, v in block.items()}


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "SYSTEMROOT") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_the_compose_production_environment():
    env = compose_environment(secret=secrets.token_urlsafe(48))
    assert env["DJANGO_DEBUG"] == "0" and len(env["DJANGO_SECRET_KEY"]) >= 50
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_real_secret_key():
    env = compose_environment(secret="")
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_compose_counts_one_trusted_proxy_in_front_of_the_portal():
    assert compose_environment(secret="x")["DJANGO_PROXY_COUNT"] == "1"


# --- Content Security Policy and CSRF -----------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)


def csp(response) -> dict[str, list[str]]:  # noqa: ANN001
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


# django-simple-history's history list has one style attribute; under the policy the browser
# ignores it, and the paginator keeps its default top border. Nothing else is inline.
KNOWN_THIRD_PARTY_INLINE = ['<p class="paginator" style="border-top: 0">']


def assert_no_inline_code(response) -> None:  # noqa: ANN001
    html = response.content.decode()
    for known in KNOWN_THIRD_PARTY_INLINE:
        html = html.replace(known, "")
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_STYLE.search(html), html[INLINE_STYLE.search(html).start() - 80 :][:200]


@pytest.mark.django_db
def test_every_page_carries_a_self_only_policy_without_unsafe_inline(client, catalogue):
    policy = csp(client.get("/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


@pytest.mark.django_db
def test_public_pages_admin_and_api_docs_need_no_inline_script_or_style(client, catalogue, superuser):
    pages = [
        "/",
        reverse("policies:measure_list"),
        reverse("policies:measure_detail", args=[12]),
        "/api/v1/docs",
        reverse("admin:login"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_inline_code(response)
    client.force_login(superuser)
    measure = catalogue.get(number=12)
    for url in [
        reverse("admin:index"),
        reverse("admin:policies_measure_change", args=[measure.pk]),
        reverse("admin:policies_measure_history", args=[measure.pk]),
        reverse("admin:audit_auditentry_changelist"),
        reverse("admin:audit_adminchange_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_inline_code(response)


@pytest.mark.django_db
def test_htmx_is_told_not_to_inject_its_indicator_styles(client):
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>'
        in client.get("/").content.decode()
    )


def test_no_project_template_served_to_browsers_has_inline_script_or_style():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "email" in path.parts:  # mail clients, not browsers under the policy
            continue
        text = path.read_text()
        if INLINE_SCRIPT.search(text) or INLINE_STYLE.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_every_post_form_in_the_templates_carries_a_csrf_token():
    # The one-click unsubscribe form is authorised by the signed token in its URL and must work
    # from mail clients without cookies (RFC 8058), so its view is csrf_exempt on purpose.
    allowed = {"templates/enterprises/subscriptions/unsubscribe.html"}
    missing = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for form in re.finditer(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", text, re.I | re.S):
            if "csrf_token" not in form.group(1) and str(path.relative_to(ROOT)) not in allowed:
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []


def _views(resolver: URLResolver, prefix: str = "") -> list[tuple[str, object]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.callback))
        elif isinstance(entry, URLResolver):
            found.extend(_views(entry, prefix + str(entry.pattern)))
    return found


def test_only_the_json_api_and_one_click_unsubscribe_are_csrf_exempt():
    exempt = [
        (route, f"{view.__module__}.{view.__qualname__}")
        for route, view in _views(get_resolver())
        if getattr(view, "csrf_exempt", False)
    ]
    for route, name in exempt:
        # django-ninja marks its views exempt; without cookie-based auth (none is configured:
        # the public API is anonymous) no CSRF check applies, which is what a public API needs.
        assert route.startswith("api/v1/") or name == "enterprises.reminders.views.unsubscribe", (route, name)


@pytest.mark.django_db
def test_the_public_api_accepts_posts_without_a_csrf_token():
    from ninja.constants import NOT_SET

    from portal.api import api

    assert api.auth is NOT_SET  # anonymous API: ninja checks CSRF only for cookie-based auth
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/eligibility", data="{not json", content_type="application/json"
    )
    assert response.status_code != 403


@pytest.mark.django_db
def test_html_forms_refuse_a_post_without_the_csrf_token(superuser):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert response.status_code == 403


# --- login lockout --------------------------------------------------------------------------------


def fail_logins(client: Client, url: str, username: str, times: int, **extra: str) -> list:
    return [
        client.post(url, {"username": username, "password": "wrong-password"}, **extra) for _ in range(times)
    ]


@pytest.mark.django_db
def test_the_admin_login_locks_after_five_failures_with_a_chinese_message(client, superuser):
    assert django_settings.AXES_FAILURE_LIMIT == 5
    responses = fail_logins(client, reverse("admin:login"), "admin", 5)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    locked = responses[4]
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "登录失败次数过多" in text and "30 分钟后" in text
    # Even the right password is refused while locked.
    again = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_binds_username_and_address_so_others_are_not_locked_out(client, superuser):
    fail_logins(client, reverse("admin:login"), "admin", 5)
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    response = elsewhere.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_lockout_ends_after_thirty_minutes(client, superuser):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail_logins(client, reverse("admin:login"), "admin", 5)
        traveller.shift(timedelta(minutes=31))
        response = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_successful_login_resets_the_failure_count(client, superuser):
    fail_logins(client, reverse("admin:login"), "admin", 4)
    client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    client.logout()
    responses = fail_logins(client, reverse("admin:login"), "admin", 4)
    assert all(r.status_code == 200 for r in responses)


@pytest.mark.django_db
def test_the_hotline_console_login_locks_too(client, hotline_agent):
    url = reverse("hotline:login")
    responses = fail_logins(client, url, "agent", 5)
    assert responses[-1].status_code == 429
    assert "登录失败次数过多" in responses[-1].content.decode()


def test_every_authenticate_call_passes_through_the_lockout_backend():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "portal.security.LockoutBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_passwords_are_checked_by_djangos_validators():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    names = {v["NAME"].rsplit(".", 1)[1] for v in django_settings.AUTH_PASSWORD_VALIDATORS}
    assert {"MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"} <= names
    with pytest.raises(ValidationError):
        validate_password("12345678")


# --- staff sessions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_staff_session_expires_after_thirty_idle_minutes(client, superuser):
    client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert client.session.get_expiry_age() == 1800
    assert django_settings.STAFF_SESSION_IDLE_SECONDS == 1800


@pytest.mark.django_db
def test_each_staff_request_restarts_the_thirty_minutes_and_idleness_ends_the_session(client, superuser):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
        for _ in range(3):
            traveller.shift(timedelta(minutes=25))
            assert client.get(reverse("admin:index")).status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_hotline_agents_sessions_are_staff_sessions_too(client, hotline_agent):
    client.force_login(hotline_agent)
    client.get("/")
    assert client.session.get_expiry_age() == 1800


@pytest.mark.django_db
def test_an_enterprise_session_keeps_the_default_age(client):
    user = User.objects.create_user("firm@example.com", "firm@example.com", PASSWORD)
    client.force_login(user)
    client.get("/")
    assert "_session_expiry" not in client.session
    assert client.session.get_expiry_age() == django_settings.SESSION_COOKIE_AGE


# --- rate limits -------------------------------------------------------------------------------------


@pytest.fixture
def limits_on(settings, rate_window):  # noqa: ANN001, ANN201
    settings.RATE_LIMIT_ENABLED = True
    cache.clear()
    yield settings
    cache.clear()


def post_eligibility(client: Client, **extra: str) -> int:
    # An unparseable body: the cheapest request that still reaches the endpoint (400).
    return client.post("/api/v1/eligibility", data="{", content_type="application/json", **extra).status_code


def test_the_configured_limits_cover_the_api_search_registration_and_subscription():
    limits = {(method, prefix): n for method, prefix, n in django_settings.RATE_LIMITS}
    assert limits[("POST", "/api/v1/eligibility")] == 60
    assert limits[("GET", "/api/v1/search")] == 120
    assert limits[("POST", "/api/v1/subscriptions")] == 10
    assert limits[("POST", "/reminders/subscribe/")] == 10
    assert ("POST", "/accounts/register/") in limits


@pytest.mark.django_db
def test_the_eligibility_api_answers_429_in_chinese_after_sixty_requests_a_minute(client, limits_on):
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        assert all(post_eligibility(client) != 429 for _ in range(60))
        response = client.post("/api/v1/eligibility", data="{", content_type="application/json")
    assert response.status_code == 429
    assert response.json() == {"errors": [{"field": "", "message": RATE_LIMITED}]}
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_another_address_and_the_next_minute_have_their_own_budget(client, limits_on):
    limits_on.RATE_LIMITS = [("POST", "/api/v1/eligibility", 2)]
    with time_machine.travel(timezone.now().replace(second=1), tick=False) as traveller:
        assert [post_eligibility(client) == 429 for _ in range(3)] == [False, False, True]
        assert post_eligibility(Client(REMOTE_ADDR="10.1.2.3")) != 429
        traveller.shift(timedelta(seconds=60))
        assert post_eligibility(client) != 429


@pytest.mark.django_db
def test_web_pages_get_a_chinese_429_page(client, catalogue, limits_on):
    limits_on.RATE_LIMITS = [("GET", "/measures/", 2)]
    client.get("/measures/")
    client.get("/measures/")
    response = client.get("/measures/")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert RATE_LIMITED in response.content.decode()
    assert client.get("/").status_code == 200  # other paths are not limited


@pytest.mark.django_db
def test_behind_the_trusted_proxy_the_address_the_proxy_saw_counts(limits_on):
    limits_on.RATE_LIMITS = [("POST", "/api/v1/eligibility", 1)]
    limits_on.PROXY_COUNT = 1
    limits_on.TRUSTED_PROXIES = ["172.18.0.2"]
    proxy = Client(REMOTE_ADDR="172.18.0.2")
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        assert post_eligibility(proxy, HTTP_X_FORWARDED_FOR="203.0.113.7") != 429
        # A different caller behind the same proxy has its own budget.
        assert post_eligibility(proxy, HTTP_X_FORWARDED_FOR="203.0.113.8") != 429
        # A client cannot escape its budget by writing its own X-Forwarded-For: the proxy
        # appends the real address, and only that last hop is trusted.
        assert post_eligibility(proxy, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7") == 429


@pytest.mark.django_db
def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, limits_on):
    limits_on.RATE_LIMITS = [("POST", "/api/v1/eligibility", 1)]
    limits_on.PROXY_COUNT = 0
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        assert post_eligibility(client, HTTP_X_FORWARDED_FOR="203.0.113.7") != 429
        assert post_eligibility(client, HTTP_X_FORWARDED_FOR="203.0.113.8") == 429


@pytest.mark.django_db
def test_the_limiter_lets_requests_through_when_the_cache_is_down(client, limits_on, monkeypatch):
    limits_on.RATE_LIMITS = [("POST", "/api/v1/eligibility", 1)]

    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", broken)
    assert [post_eligibility(client) == 429 for _ in range(3)] == [False, False, False]


# --- staff pages refuse everyone else ------------------------------------------------------------------


@pytest.fixture
def enterprise_user(db) -> User:  # noqa: ANN001
    return User.objects.create_user("firm@example.com", "firm@example.com", PASSWORD)


@pytest.mark.django_db
def test_the_admin_refuses_anonymous_visitors_enterprises_and_hotline_agents(
    client, enterprise_user, hotline_agent
):
    urls = [
        reverse("admin:index"),
        reverse("admin:policies_measure_changelist"),
        reverse("admin:audit_auditentry_changelist"),
    ]
    for user in (None, enterprise_user, hotline_agent):
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), (
                url
            )


@pytest.mark.django_db
def test_the_audit_trail_is_for_officials_with_the_right_and_nobody_can_edit_it(
    client, tax_official, superuser
):
    client.force_login(tax_official)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403
    client.force_login(superuser)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403


@pytest.mark.django_db
def test_the_hotline_console_refuses_anonymous_visitors_and_enterprises(client, enterprise_user):
    url = reverse("hotline:console")
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(enterprise_user)
    assert client.get(url).status_code == 403
