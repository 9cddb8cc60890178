"""Issue 12, the enterprise's journey: the result page's summary, reminders and calendar file,
the plan period sentence, plausibility warnings, size explanations, decisive reasons, closed
deadlines, reachable advice, registering from a result, and the small phone and favicon fixes."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from enterprises.accounts import services as accounts
from enterprises.models import AccountReceipt, EnterpriseAccount
from enterprises.selfcheck.receipts import save_receipt

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent.parent / "reference" / "examples" / "eligibility"
PASSWORD = "Taiyuan-jixie-2022!"
USCC = "91140100MA0K123488"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # noqa: ANN001, ANN201
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def example(name: str = "manufacturing-small-many-benefits", **changes: Any) -> dict[str, Any]:
    return {**json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))["profile"], **changes}


def card(html: str, measure: int) -> str:
    start = html.index(f'id="m{measure}"')
    return html[start : html.index("</article>", start)]


# --- the summary -------------------------------------------------------------------------------


def test_the_summary_comes_first_with_count_money_caps_deadline_and_delivery(client, catalogue):
    receipt = save_receipt(example())
    html = client.get(receipt.get_absolute_url()).content.decode()
    summary = html[html.index('id="summary"') : html.index("</section>", html.index('id="summary"'))]
    assert html.index('id="summary"') < html.index('class="card mb-3 measure-result')
    assert html.index('id="summary"') < html.index('class="permalink')
    # 12 eligible: 3 automatic (第5、7、9条), 9 by application, from the catalogue's 兑现方式.
    assert "可享受 <strong>12</strong> 项政策" in summary
    assert "3 项申报时自动享受" in summary and "9 项需要申请" in summary
    # Money: 32.5 + 11.25 + 80 + 75 (cap) = 198.75万元; the 1050万元 deduction is not money in hand.
    assert "合计约 <strong>198.75万元</strong>" in summary and "1 项按<strong>最高</strong>额计" in summary
    assert "研发费用加计扣除和科技创新券:<strong>最高</strong>75万元" in summary
    assert "另可税前扣除 1050万元" in summary
    assert "最近的截止日期:<strong>2022年6月30日</strong>(评估日后51天)" in summary


def test_ineligible_and_informational_measures_are_collapsed_without_javascript(client, catalogue):
    receipt = save_receipt(example())
    html = client.get(receipt.get_absolute_url()).content.decode()
    for group in ("ineligible", "informational"):
        section = html[html.index(f'id="in-force-{group}"') :]
        section = section[: section.index("</section>")]
        assert section.index('<details class="result-details">') < section.index(
            f"{'暂不符合' if group == 'ineligible' else '相关信息'}("
        )
        assert "<details open" not in section and '<details class="result-details" open' not in section
    eligible = html[html.index('id="in-force-eligible"') : html.index('id="in-force-needs_info"')]
    assert 'class="result-details"' not in eligible
    assert html.count('<details class="result-details">') == 2


# --- reminders and the calendar file -------------------------------------------------------------


def test_the_summary_says_plainly_when_no_deadline_is_ahead_to_remind(client, catalogue):
    receipt = save_receipt(example())  # evaluated 2022-05-10; today is after the plan
    html = client.get(receipt.get_absolute_url()).content.decode()
    assert "以后没有截止日期,订阅不会收到截止日期提醒" in html
    assert "现在订阅不会收到截止日期提醒" in html  # the sign-up block says it too


def test_the_summary_lists_the_deadlines_a_subscription_would_remind(client, catalogue, time_machine):
    time_machine.move_to(datetime.datetime(2022, 5, 10, 9, 0, tzinfo=datetime.UTC))
    receipt = save_receipt(example())
    html = client.get(receipt.get_absolute_url()).content.decode()
    reminders = html[html.index('class="summary-reminders') :]
    reminders = reminders[: reminders.index("</div>")]
    assert "订阅后,会在以下截止日期前30天、7天和1天发邮件提醒" in reminders
    assert "2022年6月30日:第12条 小型企业等存量留抵税额集中退还" in reminders
    assert 'href="#subscribe"' in reminders and "deadlines.ics" in reminders


def test_the_calendar_file_is_rfc_5545_with_one_event_per_deadline(client, catalogue):
    receipt = save_receipt(example())
    response = client.get(reverse("enterprises:receipt_ics", args=[receipt.token]))
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:") and body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")  # CRLF line ends only
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))  # folded at 75 octets
    assert body.count("BEGIN:VEVENT") == 1
    assert "DTSTART;VALUE=DATE:20220630\r\n" in body and "DTEND;VALUE=DATE:20220701\r\n" in body
    assert f"UID:{receipt.token}-m12-20220630@huiqi" in body and "DTSTAMP:" in body
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:截止:第12条 小型企业等存量留抵税额集中退还" in unfolded
    assert client.get("/check/result/00000000-0000-0000-0000-000000000000/deadlines.ics").status_code == 404


# --- the plan period ------------------------------------------------------------------------------


def test_home_and_first_step_say_the_plan_period_and_the_evaluation_day(client, catalogue):
    sentence = "本方案的执行期为2022年4月14日至2022年12月31日;今天已不在执行期内,自测默认按执行期内的2022年12月31日评估"
    for url in ("/", "/check/"):
        html = client.get(url).content.decode()
        assert html.count('id="period-sentence"') == 1 and sentence in html, url


# --- plausibility warnings ---------------------------------------------------------------------


def basic(**changes: str) -> dict[str, str]:
    data = {
        "as_of": "2022-05-10",
        "industry_section": "C",
        "entity_type": "enterprise",
        "employees": "80",
        "revenue_wan": "8000",
        "total_assets_wan": "4800",
        "nav": "next",
    }
    return {**data, **changes}


def test_assets_typed_in_yuan_warn_next_to_the_field_and_go_on_once_confirmed(client, catalogue):
    page = client.post("/check/", basic(total_assets_wan="25000000"))
    assert page.status_code == 200  # not an error: a warning that stops the step once
    html = page.content.decode()
    field = html[html.index('id="q-total_assets_wan"') :]
    field = field[: field.index('id="q-', 10)] if 'id="q-' in field[10:] else field
    assert "请核对:资产总额25,000,000万元,平均每名从业人员312,500万元" in field
    assert "是否把“元”填成了“万元”" in field
    assert 'class="invalid-feedback' not in field and not page.context["form"].errors
    codes = page.context["form"].plausibility_codes
    assert codes == "total_assets_wan_per_employee"
    confirmed = client.post("/check/", {**basic(total_assets_wan="25000000"), "plausible_ok": codes})
    assert confirmed.status_code == 302
    assert client.session["selfcheck_profile"]["total_assets_wan"] == 25000000
    corrected = client.post("/check/", basic(total_assets_wan="2500"))
    assert corrected.status_code == 302


@pytest.mark.parametrize(
    ("profile", "step", "data", "field", "text"),
    [
        (
            {"revenue_wan": 3000},
            "tax",
            {"vat_taxpayer": "small_scale"},
            "vat_taxpayer",
            "超过小规模纳税人年销售额500万元的标准(财税〔2018〕33号",
        ),
        (
            {"revenue_wan": 800},
            "tax",
            {"taxable_income_wan": "900"},
            "taxable_income_wan",
            "应纳税所得额900万元高于营业收入800万元",
        ),
        (
            {
                **{k: v for k, v in example("software-tech-sme").items() if k != "is_tech_sme"},
                "employees": 5000,
            },
            "investment",
            {"is_tech_sme": "yes"},
            "is_tech_sme",
            "超过科技型中小企业500人的上限(国科发政〔2017〕115号",
        ),
        (
            {"as_of": "2022-05-10"},
            "investment",
            {
                "equipment": "yes",
                "equipment-0-unit_value_wan": "600",
                "equipment-0-min_depreciation_years": "3",
                "equipment-0-purchase_date": "2022-09-01",
            },
            "equipment",
            "有1台设备的购置日期晚于评估日期(2022年5月10日)",
        ),
    ],
    ids=["small-scale-sales", "income-above-revenue", "tech-sme-staff", "equipment-after-as-of"],
)
def test_implausible_answers_warn_next_to_their_field(client, catalogue, profile, step, data, field, text):
    session = client.session
    session["selfcheck_profile"] = {
        "as_of": "2022-05-10",
        "industry": "C36",
        "entity_type": "enterprise",
        **profile,
    }
    session.save()
    url = f"/check/{step}/"
    form = client.get(url).context["form"]
    assert field in form.fields, "the question must be asked for the warning to show"
    posted = {name: "" for name in form.fields}
    posted.update({"equipment-TOTAL_FORMS": "3", "equipment-INITIAL_FORMS": "0", **data, "nav": "next"})
    page = client.post(url, posted)
    assert page.status_code == 200, page.get("Location")
    html = page.content.decode()
    block = html[html.index(f'id="q-{field}"') :][:4000]
    assert text in block and "请核对:" in block
    assert 'name="plausible_ok"' in html
    again = client.post(url, {**posted, "plausible_ok": page.context["form"].plausibility_codes})
    assert again.status_code == 302


def test_plausibility_thresholds_come_from_settings(client, catalogue, settings):
    settings.SELFCHECK_PLAUSIBILITY = {**settings.SELFCHECK_PLAUSIBILITY, "max_wan_per_employee": 10**9}
    assert client.post("/check/", basic(total_assets_wan="25000000")).status_code == 302


# --- the cards ----------------------------------------------------------------------------------


def test_each_size_verdict_links_to_one_explanation_of_the_standards(client, catalogue):
    receipt = save_receipt(example())
    html = client.get(receipt.get_absolute_url()).content.decode()
    assert html.count('id="size-standards"') == 1
    explanation = html[html.index('id="size-standards"') :]
    for name in ("工信部联企业〔2011〕300号标准", "留抵退税企业规模标准", "小型微利企业标准"):
        assert name in explanation  # from the size tables officials maintain
    twelve = card(html, 12)
    verdict = twelve[twelve.index("按留抵退税企业规模标准为中型企业") :][:300]
    assert 'href="#size-standards"' in verdict
    assert 'href="#size-standards"' in card(html, 5)  # 符合小型微利企业标准
    summary = html[html.index('id="summary"') : html.index('id="size-standards"')]
    assert 'href="#size-standards"' in summary


def test_an_eligible_card_shows_the_decisive_reasons_and_hides_the_others(client, catalogue):
    receipt = save_receipt(example())
    five = card(client.get(receipt.get_absolute_url()).content.decode(), 5)
    shown, hidden = five.split('<details class="criteria-all', 1)
    assert "符合小型微利企业标准" in shown
    assert "不是小规模纳税人" not in shown and "✗" not in shown
    assert "全部条件(另有2项已被其他条件取代,不影响结果)" in hidden
    assert "不是小规模纳税人" in hidden


def test_an_eligible_measure_whose_deadline_has_passed_says_so_and_what_to_do(client, catalogue):
    receipt = save_receipt(example(as_of="2022-08-01"))
    html = client.get(receipt.get_absolute_url()).content.decode()
    twelve = card(html, 12)
    assert "可享受" in twelve and "办理期限已过" in twelve
    assert "办理期限在评估日已过" in twelve and "请向下面的责任单位咨询能否补办" in twelve
    assert "请在截止日期前办理" not in twelve and "请在2022年6月30日前办理" not in twelve
    assert "(其中 1 项的办理期限在评估日已过)" in html


def test_advice_is_written_for_people_and_given_only_where_the_condition_is_within_reach(client, catalogue):
    receipt = save_receipt(example())
    html = client.get(receipt.get_absolute_url()).content.decode()
    retrofit = card(html, 36)
    assert "还差一步:</strong>本条支持正在实施技术改造项目的企业" in retrofit
    assert "不大于0。这一项满足后" not in retrofit
    # 增值税纳税人类型 at 8,000万元 of sales cannot change: no advice on 第8条.
    assert "what-if" not in card(html, 8)
    general = save_receipt(example("retail-small-but-refund-medium", vat_taxpayer="general"))
    assert "what-if" not in card(client.get(general.get_absolute_url()).content.decode(), 8)


# --- accounts ----------------------------------------------------------------------------------


def test_registering_from_a_result_keeps_it_through_email_verification(
    client, catalogue, mailoutbox, django_capture_on_commit_callbacks
):
    receipt = save_receipt(example())
    page = client.get(receipt.get_absolute_url()).content.decode()
    register_link = re.search(r'href="(/accounts/register/\?next=[^"]+)"', page).group(1)
    form = client.get(register_link.replace("&amp;", "&"))
    assert form.context["next"] == receipt.get_absolute_url()
    assert (
        'name="rule_news_email"' in form.content.decode()
        and "checked" not in form.content.decode().split('name="rule_news_email"', 1)[1][:80]
    )
    data = {
        "email": "new@firm.example.com",
        "uscc": USCC,
        "name": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "next": receipt.get_absolute_url(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("accounts:register"), data)
    assert "您注册时查看的那份自测结果会自动保存到账户" in sent.content.decode()
    account = EnterpriseAccount.objects.get()
    assert not account.rule_news_email  # opt-in, not ticked
    assert not AccountReceipt.objects.exists()  # nothing linked before verification
    link = next(line for line in mailoutbox[0].body.split() if "/accounts/verify/" in line)
    other_browser = type(client)()
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    done = other_browser.post(path, {"password": PASSWORD}, follow=True)
    assert AccountReceipt.objects.get().receipt == receipt and AccountReceipt.objects.get().account == account
    assert "注册时查看的自测结果已保存到账户" in done.content.decode()
    assert receipt.get_absolute_url() in done.content.decode()


def test_rule_change_emails_are_opt_in_at_registration(client, catalogue):
    registered = accounts.register("quiet@firm.example.com", PASSWORD, USCC).account
    assert registered.rule_news_email is False
    client.post(
        reverse("accounts:register"),
        {
            "email": "keen@firm.example.com",
            "uscc": "92140105L123456747",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "rule_news_email": "on",
        },
    )
    assert EnterpriseAccount.objects.get(user__email="keen@firm.example.com").rule_news_email is True


def test_the_account_page_says_what_prefilling_does(catalogue):
    registered = accounts.register("empty@firm.example.com", PASSWORD, USCC).account
    account = accounts.verify(accounts.verification_token(registered), PASSWORD)
    from django.test import Client

    client = Client()
    client.post(reverse("accounts:login"), {"email": account.email, "password": PASSWORD})
    html = client.get(reverse("accounts:home")).content.decode()
    assert "还没有保存的企业情况" in html and "再次自测时会自动预填" not in html
    accounts.keep_receipt(account, save_receipt(example()))
    html = client.get(reverse("accounts:home")).content.decode()
    assert "每次登录后开始自测时,问卷会用这些回答预填" in html
    assert 'data-label="评估日期"' in html  # the phone layout labels each value


# --- phone and favicon ---------------------------------------------------------------------------


def test_equipment_rows_stay_closed_after_no_or_unknown(client, catalogue):
    for stored, is_open in (
        (None, False),
        ([], False),
        ([{"unit_value_wan": 600, "min_depreciation_years": 3, "purchase_date": "2022-03-01"}], True),
    ):
        session = client.session
        profile = {"as_of": "2022-05-10", "industry": "C36", "entity_type": "enterprise"}
        if stored is not None:
            profile["equipment"] = stored
        session["selfcheck_profile"] = profile
        session.save()
        html = client.get("/check/investment/").content.decode()
        tag = re.search(r'<details id="equipment-rows"[^>]*>', html).group(0)
        assert ("open" in tag) is is_open, stored


def test_favicon_is_a_local_file_linked_from_every_page(client, catalogue):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.ico")
    assert (
        Path(__file__).resolve().parent.parent.joinpath("static", "favicon.ico").read_bytes()[:4]
        == b"\0\0\1\0"
    )
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.ico"' in html
