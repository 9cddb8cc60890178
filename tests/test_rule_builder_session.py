"""The rule builder's htmx requests after the official's session expired get a message in Chinese
with a login link, swapped into the page's message box, never the login page inside the panel."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.test import Client

from policies.models import Measure
from tests.test_rule_builder import draft12, official, tax, url  # noqa: F401  (fixtures)

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_htmx_request_after_the_session_expired_gets_the_message_not_the_login_page(tax, draft12) -> None:  # noqa: F811
    assert tax.post(url(draft12), {"action": "refresh"}, **HTMX).status_code == 200  # signed in: the panel
    Session.objects.all().delete()  # the session expired
    response = tax.post(url(draft12), {"action": "refresh", "citation_text": "已输入的文字"}, **HTMX)
    assert response.status_code == 401
    assert response["HX-Retarget"] == "#rb-session" and response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert "登录已过期,请重新登录后继续;您的草稿未保存的修改仍在本页表单中" in html
    assert 'href="/admin/login/?next=/admin/"' in html and 'target="_blank"' in html
    assert 'name="password"' not in html and "rb-form" not in html  # neither the login form nor a panel


def test_without_htmx_the_admin_still_sends_an_expired_session_to_the_login_page(tax, draft12) -> None:  # noqa: F811
    Session.objects.all().delete()
    response = tax.get(url(draft12))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_signed_in_user_who_is_not_staff_gets_the_message_too(catalogue) -> None:  # noqa: ANN001
    from django.contrib.auth.models import User

    draft = Measure.objects.published().get(number=12).start_draft()
    client = Client()
    client.force_login(User.objects.create_user("not_staff", "x@example.com", "correct-horse-battery-9"))
    assert client.post(url(draft), {"action": "refresh"}, **HTMX).status_code == 401


def test_the_builder_page_has_the_message_box_and_lets_htmx_swap_a_401_into_it(tax, draft12) -> None:  # noqa: F811
    html = tax.get(url(draft12)).content.decode()
    box = html.index('id="rb-session"')
    assert box < html.index('id="rule-builder"')  # outside the panel that htmx replaces
    assert '{"code": "401", "swap": true, "error": false}' in html
    assert "js/rulebuilder.js" in html
