"""Browser scenario 3: hotline staff log in, search a colloquial question, open the answer card,
log the call, and run a caller check that asks what settles the caller's measures, picks the
industry by name and gives a short script with a result link (issue 12)."""

import re

import pytest

from tests.browser.conftest import SCREENSHOTS, login

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 375)


def _shots(page, name: str) -> None:  # noqa: ANN001
    """Full-page screenshots of the current state at 1280 and 375 px wide."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _axe_in_every_display_mode(page, axe_violations, live_server, refresh=None) -> dict:  # noqa: ANN001
    """axe-core on the current page in the default, 大字模式 and 高对比度 displays.

    ``refresh`` shows the page again with the new display cookie (a page that answers a POST is
    resubmitted by its own button rather than reloaded).
    """
    found = {}
    for mode, cookie in (
        ("default", None),
        ("large text", "display_large_text"),
        ("high contrast", "display_high_contrast"),
    ):
        page.context.clear_cookies(name="display_large_text")
        page.context.clear_cookies(name="display_high_contrast")
        if cookie:
            page.context.add_cookies([{"name": cookie, "value": "1", "url": live_server.url}])
        (refresh or page.reload)()
        if violations := axe_violations(page):
            found[mode] = violations
    return found


def test_hotline_staff_search_open_the_card_log_the_call_and_keep_their_place(
    page, catalogue, hotline_agent, screenshot, axe_violations, live_server
):
    login(page, "agent", url="/hotline/login/")
    page.wait_for_url("**/hotline/")
    assert page.get_by_role("heading", name="政策解读专线 · 坐席工作台").is_visible()

    # Live search (htmx) as the agent types what the caller said; the call log follows it.
    page.get_by_label("来电问题或条款序号").fill("稳岗补贴怎么领")
    results = page.locator("#results .list-group-item")
    results.first.wait_for()
    assert "稳岗" in page.inner_text("#results")
    assert page.locator("#id_topic").input_value() == "稳岗补贴怎么领"
    assert not page.get_by_label("已当场解答").is_checked()

    # The answer card opens beside the results without leaving the page; the log notes it.
    hit = results.filter(has_text="稳岗").first.get_by_role("link")
    title = hit.inner_text()
    number = int(re.match(r"第(\d+)条", title).group(1))
    hit.click()
    card = page.locator("#card article")
    card.wait_for()
    assert card.get_by_role("heading", name=title).is_visible()
    for heading in ("谁能享受(通俗解读)", "原文"):
        assert card.get_by_role("heading", name=heading).is_visible()
    assert "责任单位" in card.inner_text() and "人力资源和社会保障厅" in card.inner_text()
    assert str(number) in page.locator("#id_measure_numbers").input_value()
    screenshot(page, "3-hotline-answer-card")

    # "第9条" is read as the search reads it; saving keeps the search and the card on screen.
    page.locator("#id_measure_numbers").fill(f"第{number}条")
    page.get_by_label("已当场解答").check()
    page.get_by_role("button", name="保存记录").click()
    page.get_by_text("来电已记录。").wait_for()
    assert page.get_by_label("来电问题或条款序号").input_value() == "稳岗补贴怎么领"
    assert page.locator("#card article").get_by_role("heading", name=title).is_visible()
    assert page.locator("#id_measure_numbers").input_value() == ""  # the next call starts clean
    _shots(page, "12-hotline-call-logged")
    assert _axe_in_every_display_mode(page, axe_violations, live_server) == {}

    # Every console page links the others and marks itself.
    page.get_by_role("link", name="我的来电记录").click()
    page.wait_for_url("**/hotline/calls/")
    nav = page.get_by_role("navigation").first
    assert nav.get_by_role("link", name="我的来电记录").get_attribute("aria-current") == "page"
    assert nav.get_by_role("link", name="为来电企业自测").is_visible()
    assert f"第{number}条" in page.inner_text("main")
    _shots(page, "12-hotline-calls")
    assert _axe_in_every_display_mode(page, axe_violations, live_server) == {}


def test_hotline_staff_check_a_caller_pick_the_industry_by_name_and_read_out_a_script(
    page, catalogue, hotline_agent, axe_violations, live_server
):
    login(page, "agent", url="/hotline/login/")
    page.wait_for_url("**/hotline/")
    page.get_by_role("link", name="为来电企业自测").click()
    page.wait_for_url("**/hotline/check/")
    nav = page.get_by_role("navigation").first
    assert nav.get_by_role("link", name="为来电企业自测").get_attribute("aria-current") == "page"
    assert nav.get_by_role("link", name="我的来电记录").is_visible()

    page.locator("#q-entity_type").get_by_label("企业", exact=True).check()
    # The caller says "机械"; the options appear as the agent types (htmx), with their codes.
    page.get_by_label("所属行业", exact=True).fill("机械")
    option = page.get_by_label("C38 电气机械和器材制造业")
    option.wait_for()
    assert page.get_by_label("C43 金属制品、机械和设备修理业").is_visible()
    option.check()
    page.get_by_label("从业人数").fill("120")
    page.get_by_label("上一会计年度营业收入").fill("8000")
    page.get_by_label("资产总额").fill("4800")
    _shots(page, "12-caller-check-industry-picker")
    page.get_by_role("button", name="查看结果").click()

    # A short script to read out, and the questions that would settle the open measures.
    page.get_by_role("heading", name="答复话术").wait_for()
    script = page.locator(".caller-script")
    assert "您可以享受" in script.inner_text() and "咨询:" in script.inner_text()
    assert page.locator(".measure-result").count() == 0  # the full result stays behind the link
    permalink = script.locator(".alert-success a")
    assert "/check/result/" in permalink.inner_text()
    assert page.get_by_label("所属行业", exact=True).input_value() == "C38 电气机械和器材制造业"
    for question in (
        "上年度实际缴纳失业保险费",
        "上年度裁员率",
        "纳税信用等级",
        "存量留抵税额",
        "本年度研发费用(费用化部分)",
    ):
        assert page.get_by_text(question, exact=False).first.is_visible(), question
    assert page.locator("#open-questions").is_visible()
    _shots(page, "12-caller-check-script")

    def check_again() -> None:
        page.get_by_role("button", name="查看结果").click()
        page.get_by_role("heading", name="答复话术").wait_for()

    assert _axe_in_every_display_mode(page, axe_violations, live_server, check_again) == {}

    # The agent asks them and checks again: fewer measures are left open.
    open_before = int(re.search(r"还有 (\d+) 个问题", page.inner_text("#open-questions")).group(1))
    page.get_by_label("上年度裁员率").fill("1")
    page.get_by_label("上年度实际缴纳失业保险费").fill("12")
    page.get_by_label("本年度研发费用(费用化部分)").fill("300")
    page.get_by_role("button", name="查看结果").click()
    page.get_by_role("heading", name="答复话术").wait_for()
    questions = page.locator("#open-questions")
    open_after = (
        int(re.search(r"还有 (\d+) 个问题", questions.inner_text()).group(1)) if questions.count() else 0
    )
    assert open_after < open_before

    # The link the agent reads out opens the enterprise's full result page.
    page.goto(page.locator(".caller-script .alert-success a").get_attribute("href"))
    assert page.get_by_role("heading", name="政策资格自测结果").is_visible()


def test_the_industry_picker_works_without_javascript_in_the_caller_check_and_the_questionnaire(
    browser, live_server, catalogue, hotline_agent, axe_violations
):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
        base_url=live_server.url,
        java_script_enabled=False,
    )
    page = context.new_page()
    login(page, "agent", url="/hotline/login/")
    page.goto("/hotline/check/")
    page.get_by_label("所属行业", exact=True).fill("机械")
    page.get_by_role("button", name="查看结果").click()
    assert "“机械”对应2个行业,请在下面选择一项" in page.inner_text("main")
    page.get_by_label("C38 电气机械和器材制造业").check()
    page.get_by_role("button", name="查看结果").click()
    page.get_by_role("heading", name="答复话术").wait_for()  # the result page, however slow the machine
    assert page.get_by_label("所属行业", exact=True).input_value() == "C38 电气机械和器材制造业"

    # The questionnaire's industry question is the same picker.
    page.goto("/check/")
    page.get_by_label("主营业务所属行业").fill("汽车")
    page.get_by_role("button", name=re.compile("下一步")).click()
    page.get_by_label("C36 汽车制造业").check()
    _shots(page, "12-questionnaire-industry-picker-nojs")
    page.get_by_role("button", name=re.compile("下一步")).click()
    page.wait_for_url(re.compile(r"/check/(industry|tax)/"))
    context.close()


def test_the_questionnaire_industry_picker_searches_as_you_type(page, catalogue, axe_violations, live_server):
    page.goto("/check/")
    page.get_by_label("主营业务所属行业").fill("房地产")
    option = page.get_by_label("K 房地产业")
    option.wait_for()
    option.check()
    _shots(page, "12-questionnaire-industry-picker")
    assert _axe_in_every_display_mode(page, axe_violations, live_server) == {}
