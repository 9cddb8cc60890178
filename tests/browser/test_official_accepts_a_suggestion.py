"""Browser scenario (issue 13 item 3): in the rule builder the official sees what the measure's
own text states, each with its quote, accepts one, and it becomes an editable 条件 row."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_official_builds_a_rule import settled, swap

pytestmark = pytest.mark.django_db(transaction=True)
# The engine's sentence for the accepted row, before and after the official edits its value.
PREVIEW_BEFORE = "营业收入不超过40000万元"
PREVIEW_AFTER = "营业收入不超过50000万元"


def test_an_accepted_suggestion_becomes_a_condition_row(
    page, catalogue, superuser, screenshot, axe_violations
):
    from policies.models import Measure

    draft = Measure.objects.published().get(number=1).start_draft()
    login(page, "admin")
    page.goto(f"/admin/policies/measure/{draft.pk}/rule-builder/")
    suggestions = page.locator(".rb-suggestions")
    expect(suggestions).to_contain_text("原文“营业收入4亿元以下”")
    rows_before = page.locator("#rb-form fieldset.rb-row[id^=c-]").count()
    swap(page, lambda: page.get_by_role("button", name="添加为条件:营业收入4亿元以下").click())
    settled(page)
    expect(page.locator("#rb-form fieldset.rb-row[id^=c-]")).to_have_count(rows_before + 1)
    new = rows_before  # 0-based index of the added row
    expect(page.locator(f"#c-{new}-field")).to_have_value("revenue_wan")
    expect(page.locator(f"#c-{new}-value")).to_have_value("40000")
    expect(page.locator(".rb-suggestion", has_text="营业收入4亿元以下")).to_contain_text("已采用")
    expect(page.locator(".rb-preview")).to_contain_text(PREVIEW_BEFORE)
    # The row is an ordinary row: edit its value.
    page.fill(f"#c-{new}-value", "50000")
    swap(page, lambda: page.press(f"#c-{new}-value", "Tab"))
    expect(page.locator(f"#c-{new}-value")).to_have_value("50000")
    expect(page.locator(".rb-preview")).to_contain_text(PREVIEW_AFTER)
    assert axe_violations(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "rule-builder-1280-suggestion-accepted")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "rule-builder-375-suggestion-accepted")
