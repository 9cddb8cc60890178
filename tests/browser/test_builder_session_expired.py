"""Browser scenario: the official's session expires while the rule builder is open. The next
change gets the message and a login link instead of a login page in the panel; what was typed
stays in the form; after signing in again in another tab the builder carries on from it."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_official_builds_a_rule import settled

pytestmark = pytest.mark.django_db(transaction=True)
TYPED = "官员刚输入、尚未保存的引用文字"


def test_an_expired_session_keeps_the_typed_form_and_the_builder_carries_on_after_signing_in(
    page, catalogue, screenshot
):
    from policies.apps import sync_officials_group
    from policies.models import Measure
    from tests.test_rule_builder import official

    sync_officials_group(None)  # a transactional test before this one flushes the groups
    official("tax_session")
    draft = Measure.objects.published().get(number=12).start_draft()
    login(page, "tax_session")
    page.goto(f"/admin/policies/measure/{draft.pk}/rule-builder/")
    expect(page.locator("#rb-form")).to_be_visible()

    Session.objects.all().delete()  # the session expires while the page is open
    page.fill("#citation_text", TYPED)
    with page.expect_response(lambda r: "/rule-builder/" in r.url and r.status == 401):
        page.press("#citation_text", "Tab")  # a change: htmx posts the form
    settled(page)
    expect(page.locator("#rb-session")).to_contain_text("登录已过期,请重新登录后继续;您的草稿未保存的修改")
    expect(page.locator("#rb-form")).to_be_visible()  # the panel was not replaced ...
    expect(page.locator("#citation_text")).to_have_value(TYPED)  # ... and keeps what was typed
    expect(page.locator("#rb-form input[name=password]")).to_have_count(0)
    link = page.get_by_role("link", name="在新页面重新登录")
    expect(link).to_have_attribute("target", "_blank")
    screenshot(page, "rule-builder-session-expired")

    with page.context.expect_page() as opened:
        link.click()
    other = opened.value
    other.wait_for_load_state()
    other.fill("input[name=username]", "tax_session")
    other.fill("input[name=password]", "correct-horse-battery-9")
    other.click("[type=submit]")
    other.wait_for_url("**/admin/")
    other.close()

    with page.expect_response(lambda r: "/rule-builder/" in r.url and r.request.method == "POST") as answer:
        page.get_by_role("button", name="更新预览").click()
    assert answer.value.status == 200  # signed in again: the new CSRF token is sent
    settled(page)
    expect(page.locator("#rb-session")).to_be_empty()
    expect(page.locator("#citation_text")).to_have_value(TYPED)  # the panel came back with it
