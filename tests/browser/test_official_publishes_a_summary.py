"""Browser scenario 2: an official edits a measure's summary in the admin, publishes it, and the
public page shows it."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_official_edits_and_publishes_a_summary_that_the_public_page_then_shows(
    page, catalogue, tax_official, screenshot
):
    from policies.models import Measure

    measure = Measure.objects.get(number=12)
    login(page, "tax_official")
    page.goto(f"/admin/policies/measure/{measure.pk}/change/")
    page.get_by_role("button", name="修改草稿").click()
    page.wait_for_url("**/change/")
    new_summary = "小微企业存量留抵税额6月底前一次性全部退还(浏览器测试)。"
    page.fill("textarea[name=summary]", new_summary)
    page.click("input[name=_continue]")
    page.get_by_role("link", name="发布…").click()
    page.get_by_role("button", name="确认发布").click()
    page.wait_for_selector("text=已发布")

    page.goto("/measures/12/")
    assert new_summary in page.inner_text("main")
    screenshot(page, "2-official-published-summary")


def test_public_pages_have_no_serious_accessibility_violations(page, catalogue, axe_violations, screenshot):
    for url, name in [("/", "home"), ("/measures/12/", "measure")]:
        page.goto(url)
        assert axe_violations(page) == [], url
    screenshot(page, "a11y-measure-page")


def test_large_text_mode_enlarges_the_page_and_persists(page, catalogue, screenshot):
    page.goto("/measures/12/")
    before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("button", name="大字模式").click()
    page.goto("/measures/")
    after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert after >= before * 1.2
    assert page.get_by_role("button", name="标准字号").is_visible()
    screenshot(page, "4-large-text-mode")


def test_the_measure_page_works_at_320px_wide(browser, live_server, catalogue, screenshot):
    context = browser.new_context(locale="zh-CN", viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/measures/12/")
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    screenshot(page, "320px-measure-page")
    context.close()
    assert not overflow
