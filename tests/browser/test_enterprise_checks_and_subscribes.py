"""Browser scenario 1: an enterprise fills the questionnaire (with one 不清楚), sees its results,
opens the reason a measure is still open, and subscribes to deadline reminders."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "caiwu@example.com"


@pytest.fixture
def eager_tasks(monkeypatch):  # noqa: ANN001, ANN201
    """Run Celery tasks in-process even when CI points the queue at Redis (no worker runs here)."""
    from portal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


def test_an_enterprise_checks_its_eligibility_opens_a_reason_and_subscribes(
    page, catalogue, screenshot, eager_tasks
):
    from django.core import mail

    from enterprises.models import Subscription
    from tests.browser.conftest import SCREENSHOTS

    page.goto("/")
    page.get_by_role("link", name="资格自测").first.click()

    # 基本情况: every field found by its visible label.
    page.get_by_label("主营业务所属行业").fill("C")
    page.get_by_role("radio", name="企业").first.check()
    page.get_by_label("从业人数").fill("120")
    page.get_by_label("上一会计年度营业收入").fill("8000")
    page.get_by_label("资产总额").fill("4800")
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url("**/check/industry/")
    page.get_by_label("所属行业(大类)").select_option("C36")
    page.get_by_role("button", name="下一步").click()

    # 税务: the credit rating is the one question answered 不清楚.
    page.wait_for_url("**/check/tax/")
    page.get_by_label("年度应纳税所得额").fill("150")
    page.locator("input[name=vat_taxpayer][value=general]").check()
    page.locator("input[name=tax_credit_rating][value='']").check()
    assert page.locator("label[for=id_tax_credit_rating_5]").inner_text() == "不清楚"
    page.get_by_label("存量留抵税额").fill("80")
    page.get_by_role("button", name="跳过其余问题,查看结果").click()

    page.wait_for_url("**/check/result/**")
    assert page.get_by_role("heading", name="政策资格自测结果").is_visible()
    eligible = page.locator("#in-force-eligible .measure-result")
    assert eligible.count() > 0
    needs_info = page.locator("#in-force-needs_info .measure-result")
    assert needs_info.count() > 0

    # Open the reason: the overview jumps to the open measures; a card says which answer is missing
    # and links to exactly that question.
    page.get_by_role("link", name="需补充信息").first.click()
    card = needs_info.filter(has_text="纳税信用等级").first
    assert "待确认" in card.inner_text()
    card.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(SCREENSHOTS / "1-enterprise-result-reason.png"))
    result_url = page.url.split("#")[0]
    card.get_by_role("link", name="纳税信用等级").first.click()
    page.wait_for_url("**/more/**")
    assert page.locator("#q-tax_credit_rating, [id^=q-tax_credit_rating]").count() > 0
    assert page.get_by_text("纳税信用等级").first.is_visible()
    page.goto(result_url)

    # Subscribe to reminders from the result page.
    page.get_by_label("接收提醒的电子邮箱").fill(EMAIL)
    page.get_by_label("我已阅读上述说明", exact=False).check()
    page.get_by_role("button", name="订阅截止日期提醒").click()
    page.wait_for_url("**/reminders/subscribe/done/")
    assert page.get_by_role("heading", name="请查收确认邮件").is_visible()
    screenshot(page, "1-enterprise-subscribed")

    subscription = Subscription.objects.get(email=EMAIL)
    assert subscription.confirmed_at is None and subscription.profile["industry"] == "C36"
    # The confirmation (double opt-in) went through the task queue, run in-process here; the live
    # server's thread shares this process's locmem outbox.
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert "确认" in mail.outbox[0].subject + mail.outbox[0].body
