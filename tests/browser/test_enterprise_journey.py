"""Issue 12 in Chromium, at 1280 and 375 px: the result page opens on a one-screen summary with
reminders and a calendar file, 暂不符合 opens without JavaScript, a 元-for-万元 answer warns next to
its field and goes on once confirmed, the home page says the plan period, the account's results
read on a phone, /favicon.ico answers; axe-core is clean in default, 大字 and 高对比度 modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "reference"
    / "examples"
    / "eligibility"
    / "manufacturing-small-many-benefits.json"
)
PASSWORD = "Taiyuan-jixie-2022!"
WIDTHS = (1280, 375)
MODES = {"default": [], "large-text": ["display_large_text"], "high-contrast": ["display_high_contrast"]}


def _context(browser, live_server, width: int, cookies: list[str] = ()):  # noqa: ANN001, ANN202
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": width, "height": 900 if width > 400 else 740},
        base_url=live_server.url,
        accept_downloads=True,
    )
    context.add_cookies([{"name": name, "value": "1", "url": live_server.url} for name in cookies])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _shot(page, name: str, full: bool = True) -> None:  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full)


@pytest.fixture
def receipt(catalogue):  # noqa: ANN001, ANN201
    from enterprises.selfcheck.receipts import save_receipt

    return save_receipt(json.loads(EXAMPLE.read_text(encoding="utf-8"))["profile"])


def test_the_result_opens_on_a_summary_with_reminders_and_collapses_the_rest(browser, live_server, receipt):
    for width in WIDTHS:
        page = _context(browser, live_server, width)
        page.goto(receipt.get_absolute_url())
        summary = page.locator("#summary")
        # The summary starts within the first screen, before any card.
        assert summary.bounding_box()["y"] < 300, width
        assert "可享受 12 项政策" in summary.inner_text()
        assert "最高" in summary.inner_text() and "2022年6月30日" in summary.inner_text()
        assert (
            summary.get_by_role("link", name="订阅截止日期提醒").count()
            + summary.locator("text=订阅不会收到截止日期提醒").count()
            == 1
        )
        _shot(page, f"issue12-result-first-screen-{width}", full=False)
        # 暂不符合 is closed; its summary opens it without any script.
        m8 = page.locator("#m8")
        assert not m8.is_visible()
        page.locator("#in-force-ineligible summary").click()
        assert m8.is_visible()
        # The 全部条件 of an eligible card are closed too; the decisive reason shows.
        m5 = page.locator("#m5")
        assert m5.get_by_text("符合小型微利企业标准").first.is_visible()
        assert not m5.get_by_text("不是小规模纳税人").is_visible()
        # One explanation of the three size verdicts, reached from a card.
        page.locator("#m5 a.size-link").first.click()
        assert page.locator("#size-standards").is_visible()
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (width, widths)
        _shot(page, f"issue12-result-full-{width}")
        # The calendar file downloads as text/calendar.
        with page.expect_download() as download:
            page.locator("#summary a[href$='deadlines.ics']").click()
        assert download.value.suggested_filename.endswith(".ics")
        assert Path(download.value.path()).read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
        page.context.close()


def test_a_yuan_typed_into_a_wan_field_warns_next_to_it_and_goes_on_once_confirmed(
    browser, live_server, catalogue
):
    for width in WIDTHS:
        page = _context(browser, live_server, width)
        page.goto("/")
        assert (
            "本方案的执行期为2022年4月14日至2022年12月31日" in page.locator("#period-sentence").inner_text()
        )
        _shot(page, f"issue12-home-{width}", full=False)
        page.goto("/check/")
        assert page.locator("#period-sentence").is_visible()
        page.get_by_label("主营业务所属行业").fill("C")
        page.get_by_role("radio", name="企业").first.check()
        page.get_by_label("从业人数").fill("80")
        page.get_by_label("上一会计年度营业收入").fill("8000")
        page.get_by_label("资产总额").fill("25000000")
        page.get_by_role("button", name="下一步").click()
        warning = page.locator("#q-total_assets_wan .plausibility-warning")
        assert warning.is_visible() and "是否把“元”填成了“万元”" in warning.inner_text()
        assert page.locator(".invalid-feedback").count() == 0  # a warning, not an error
        warning.scroll_into_view_if_needed()
        _shot(page, f"issue12-plausibility-warning-{width}", full=False)
        page.get_by_label("我已核对,以上数值无误,按填写的内容继续").check()
        page.get_by_role("button", name="下一步").click()
        page.wait_for_url("**/check/industry/")
        page.context.close()


def test_the_account_results_read_on_a_phone_and_the_favicon_answers(browser, live_server, receipt):
    from enterprises.accounts import services as accounts

    registered = accounts.register("caiwu@jixie.example.com", PASSWORD, "91140100MA0K123488").account
    account = accounts.verify(accounts.verification_token(registered, receipt), PASSWORD)
    from enterprises.models import AccountReceipt

    assert AccountReceipt.objects.filter(account=account, receipt=receipt).exists()  # kept on verification
    page = _context(browser, live_server, 375)
    page.goto("/accounts/login/")
    page.get_by_label("电子邮箱").fill("caiwu@jixie.example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main [type=submit]").click()
    page.wait_for_url("**/accounts/")
    cell = page.locator(".account-receipts td").first
    assert cell.bounding_box()["width"] > 200  # not one character per line
    label = page.evaluate(
        "getComputedStyle(document.querySelector('.account-receipts td'), '::before').content"
    )
    assert "生成时间" in label  # each value after its column name
    _shot(page, "issue12-account-results-375")
    icon = page.request.get("/favicon.ico")
    assert icon.status == 200 and icon.body()[:4] == b"\0\0\1\0"
    assert page.locator("link[rel=icon]").count() >= 1
    page.context.close()


def test_axe_is_clean_on_the_changed_pages_in_default_large_text_and_high_contrast(
    browser, live_server, receipt, axe_violations
):
    pages = {
        "home": "/",
        "first-step": "/check/",
        "investment-step": "/check/investment/",
        "result": receipt.get_absolute_url(),
    }
    found = {}
    for mode, cookies in MODES.items():
        page = _context(browser, live_server, 1280, cookies)
        for name, url in pages.items():
            page.goto(url)
            # Open every <details> so the checks see what a reader sees after opening them.
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            violations = axe_violations(page)
            if violations:
                found[f"{name} ({mode})"] = violations
        page.goto(receipt.get_absolute_url())
        _shot(page, f"issue12-result-{mode}-1280", full=False)
        page.context.close()
    # The plausibility warning itself, in high contrast.
    page = _context(browser, live_server, 375, MODES["high-contrast"])
    page.goto("/check/")
    page.get_by_label("从业人数").fill("80")
    page.get_by_label("资产总额").fill("25000000")
    page.get_by_role("button", name="下一步").click()
    assert page.locator("#plausibility").is_visible()
    if violations := axe_violations(page):
        found["plausibility warning (high-contrast, 375)"] = violations
    _shot(page, "issue12-plausibility-high-contrast-375", full=False)
    page.context.close()
    assert found == {}
