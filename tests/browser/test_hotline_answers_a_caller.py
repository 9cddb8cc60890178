"""Browser scenario 3: hotline staff log in, search a colloquial question, open the answer card
and run a caller check that gives a result link."""

import pytest

from tests.browser.conftest import SCREENSHOTS, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_hotline_staff_search_a_colloquial_question_open_the_card_and_check_a_caller(
    page, catalogue, hotline_agent, screenshot
):
    login(page, "agent", url="/hotline/login/")
    page.wait_for_url("**/hotline/")
    assert page.get_by_role("heading", name="政策解读专线 · 坐席工作台").is_visible()

    # Live search (htmx) as the agent types what the caller said.
    page.get_by_label("来电问题或条款序号").fill("稳岗补贴怎么领")
    results = page.locator("#results .list-group-item")
    results.first.wait_for()
    assert "稳岗" in page.inner_text("#results")

    # The answer card opens beside the results without leaving the page.
    hit = results.filter(has_text="稳岗").first.get_by_role("link")
    title = hit.inner_text()
    hit.click()
    card = page.locator("#card article")
    card.wait_for()
    assert card.get_by_role("heading", name=title).is_visible()
    for heading in ("谁能享受(通俗解读)", "原文"):
        assert card.get_by_role("heading", name=heading).is_visible()
    screenshot(page, "3-hotline-answer-card")
    assert "责任单位" in card.inner_text() and "人力资源和社会保障厅" in card.inner_text()

    # The caller check: a few answers on the phone, a result and a link to give the caller.
    page.get_by_role("link", name="为来电企业自测").click()
    page.wait_for_url("**/hotline/check/")
    page.get_by_label("主体类型").select_option("enterprise")
    page.get_by_label("行业代码").fill("C36")
    page.get_by_label("从业人数").fill("120")
    page.get_by_label("上年营业收入(万元)").fill("8000")
    page.get_by_label("资产总额(万元)").fill("4800")
    page.get_by_role("button", name="查看结果").click()
    permalink = page.locator(".alert-success a")
    permalink.wait_for()
    assert "/check/result/" in permalink.inner_text()
    assert page.locator(".measure-result.status-eligible").count() > 0
    # The full result is ten thousand pixels long; the end state is what the agent sees first.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "3-hotline-caller-check.png"))

    # The link the agent reads out opens the enterprise's full result page.
    page.goto(permalink.get_attribute("href"))
    assert page.get_by_role("heading", name="政策资格自测结果").is_visible()
