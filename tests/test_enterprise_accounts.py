"""Enterprise accounts: USCC checks, registration, sign-in lockout, saved profile, past results,
re-running, rule-change news, data ownership, export and deletion."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enterprises.accounts import services as accounts
from enterprises.accounts import uscc
from enterprises.models import AccountReceipt, EnterpriseAccount, Receipt, Subscription
from enterprises.reminders.models import CONSENT_VERSION, profile_digest
from enterprises.selfcheck.forms import STEPS
from enterprises.selfcheck.receipts import save_receipt
from policies import screening
from policies.models.rules import SizeRow

pytestmark = pytest.mark.django_db

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "reference" / "examples" / "eligibility"
PASSWORD = "Taiyuan-jixie-2022!"
# The sample code widely cited in explanations of GB 32100-2015; it passes both check digits.
PUBLISHED_SAMPLE = "91350100M000100Y43"
# Computed with the algorithm (GB 11714 organisation-code check at 17, GB 32100 check at 18).
VALID_CODES = ["91140100MA0K123488", "92140105L123456747", "12140000401000001N", "91140000701012346E"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # noqa: ANN001, ANN201
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def example_profile(name: str = "manufacturing-small-many-benefits") -> dict[str, Any]:
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))["profile"]


def make_account(email: str = "caiwu@jixie.example.com", code: str = VALID_CODES[0]) -> EnterpriseAccount:
    """A registered account whose owner has opened the verification link."""
    registered = accounts.register(email, PASSWORD, code, "太原某某机械有限公司").account
    return accounts.verify(accounts.verification_token(registered), PASSWORD)


def signed_in(account: EnterpriseAccount) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"email": account.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


def registration(**overrides: str) -> dict[str, str]:
    data = {
        "email": "new@firm.example.com",
        "uscc": PUBLISHED_SAMPLE,
        "name": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return {**data, **overrides}


def statuses(receipt: Receipt) -> dict[int, str]:
    return {r["measure"]: r["status"] for r in receipt.answer["results"]}


def set_small_low_profit_ceiling(value: int) -> None:
    """An official edits the small low-profit enterprise size row (taxable income ≤ 300万元)."""
    row = next(
        r
        for r in SizeRow.objects.all()
        if {"field": "taxable_income_wan", "op": "<=", "value": 300} in r.limits
    )
    row.limits = [
        {**limit, "value": value} if limit["field"] == "taxable_income_wan" and limit["op"] == "<=" else limit
        for limit in row.limits
    ]
    row.save()


# --- 统一社会信用代码 ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [PUBLISHED_SAMPLE, *VALID_CODES])
def test_valid_codes_pass_both_check_digits(code):
    assert uscc.validate(code) == code


def test_the_published_sample_has_the_check_characters_the_standard_gives():
    assert uscc.check_character(PUBLISHED_SAMPLE[:17]) == "3"
    assert uscc.org_check_character(PUBLISHED_SAMPLE[8:16]) == "4"


def test_a_code_typed_in_lower_case_full_width_or_with_spaces_is_normalised():
    assert uscc.validate(" 91350100m000100y43 ") == PUBLISHED_SAMPLE
    assert uscc.validate("９１３５０１００Ｍ０００１００Ｙ４３") == PUBLISHED_SAMPLE
    assert uscc.validate("9135 0100 M000 100Y 43") == PUBLISHED_SAMPLE


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "请填写统一社会信用代码。"),
        ("91350100M000100Y4", "应为18位,您输入了17位"),
        ("91350100M000100Y433", "应为18位,您输入了19位"),
        ("91350100M000100I43", "第16位“I”不是有效字符"),
        ("91350100M0001O0Y43", "第14位“O”不是有效字符"),
        ("9135010@M000100Y43", "第8位“@”不是有效字符"),
        ("913501A0M000100Y43", "第3至8位是登记管理机关行政区划码"),
        ("91350100M000100Y53", "组织机构代码)的校验码不正确"),
        ("91350100M000100Y44", "校验码(第18位)不正确"),
    ],
)
def test_a_wrong_code_is_refused_with_a_chinese_message_saying_what_is_wrong(code, message):
    with pytest.raises(uscc.USCCError) as error:
        uscc.validate(code)
    assert message in str(error.value)


def test_every_single_character_typo_in_a_valid_code_is_caught():
    for position in range(18):
        for char in uscc.CHARSET:
            if char == PUBLISHED_SAMPLE[position]:
                continue
            typo = PUBLISHED_SAMPLE[:position] + char + PUBLISHED_SAMPLE[position + 1 :]
            with pytest.raises(uscc.USCCError):
                uscc.validate(typo)


# --- registration and sign-in ------------------------------------------------------------------


def test_the_self_check_works_without_an_account(client, catalogue):
    assert client.get(reverse("enterprises:check")).status_code == 200
    receipt = save_receipt(example_profile())
    assert client.get(receipt.get_absolute_url()).status_code == 200
    assert not AccountReceipt.objects.exists()


def test_an_enterprise_registers_then_verifies_its_email_before_it_can_sign_in(
    client, catalogue, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), registration(email="New@Firm.example.com"))
    assert response.status_code == 200 and "请查收邮件" in response.content.decode()
    account = EnterpriseAccount.objects.get()
    assert account.uscc == PUBLISHED_SAMPLE
    assert account.user.email == account.user.username == "new@firm.example.com"
    assert not account.user.is_staff and not account.user.is_active and account.email_verified_at is None
    assert "_auth_user_id" not in client.session
    # Not verified yet: the password alone does not sign in.
    refused = client.post(reverse("accounts:login"), {"email": "new@firm.example.com", "password": PASSWORD})
    assert refused.status_code == 200 and "邮箱或密码不正确" in refused.content.decode()
    (mail,) = mailoutbox
    assert mail.to == ["new@firm.example.com"]
    link = next(line for line in mail.body.split() if "/accounts/verify/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200  # a page with a button: scanners only GET
    assert not User.objects.get().is_active
    # The link alone is not enough: the mailbox owner clicking a registration someone else
    # made with their address does not hand that someone the account.
    assert client.post("/" + path, {"password": "not-the-registrants"}).status_code == 400
    assert not User.objects.get().is_active
    response = client.post("/" + path, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")
    account.refresh_from_db()
    assert account.user.is_active and account.email_verified_at is not None
    page = client.get(reverse("accounts:home"))
    assert page.status_code == 200 and PUBLISHED_SAMPLE in page.content.decode()
    assert client.post("/" + path, {"password": PASSWORD}).status_code == 400, (
        "a verification link works once"
    )


def test_a_forged_or_expired_verification_link_does_nothing(client, catalogue, time_machine):
    registered = accounts.register("late@firm.example.com", PASSWORD, PUBLISHED_SAMPLE).account
    token = accounts.verification_token(registered)
    assert client.post(reverse("accounts:verify", args=[token + "x"])).status_code == 400
    time_machine.move_to(timezone.now() + timedelta(seconds=accounts.VERIFY_MAX_AGE + 60))
    assert client.post(reverse("accounts:verify", args=[token])).status_code == 400
    assert not User.objects.get(username="late@firm.example.com").is_active


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"uscc": "91350100M000100Y44"}, "uscc", "校验码(第18位)不正确"),
        ({"uscc": "1234"}, "uscc", "应为18位"),
        ({"email": "not-an-email"}, "email", "请填写有效的电子邮箱"),
        ({"password1": "84739201563", "password2": "84739201563"}, "password1", "密码只包含数字"),
        ({"password1": "short", "password2": "short"}, "password1", "太短"),
        ({"password2": "something-else-2022"}, "password2", "两次输入的密码不一致"),
    ],
)
def test_registration_errors_are_shown_next_to_their_field_in_chinese(
    client, catalogue, overrides, field, message
):
    response = client.post(reverse("accounts:register"), registration(**overrides))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors, errors
    assert message in response.content.decode()
    assert not EnterpriseAccount.objects.exists()


def test_registration_does_not_say_which_email_or_code_is_registered(
    client, catalogue, mailoutbox, django_capture_on_commit_callbacks
):
    """Finding 12: the page answers alike; only the mailbox owner is told, by email."""
    make_account("first@firm.example.com", PUBLISHED_SAMPLE)
    answers = []
    for data in (
        registration(email="fresh@firm.example.com", uscc=VALID_CODES[2]),
        registration(email="other@firm.example.com"),  # the code is taken
        registration(email="FIRST@firm.example.com", uscc=VALID_CODES[1]),  # the email is taken
    ):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:register"), data)
        assert response.status_code == 200
        text = re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())  # CSRF tokens differ
        answers.append(text.replace(data["email"].lower(), "EMAIL"))
        assert [m.to for m in mailoutbox] == [[data["email"].lower()]]
        if data["email"] != "fresh@firm.example.com":
            assert "已经" in mailoutbox[0].body and "/accounts/verify/" not in mailoutbox[0].body
    assert answers[0] == answers[1] == answers[2]
    assert "已注册" not in answers[1] and "已注册" not in answers[2]
    assert EnterpriseAccount.objects.filter(email_verified_at__isnull=False).count() == 1
    assert not EnterpriseAccount.objects.filter(
        uscc=PUBLISHED_SAMPLE, user__username="other@firm.example.com"
    )


def test_a_pending_registration_cannot_squat_an_address_or_a_code(client, catalogue):
    squatter = accounts.register("victim@example.com", "Squatter-pass-2022!", PUBLISHED_SAMPLE).account
    owner = accounts.register("victim@example.com", PASSWORD, PUBLISHED_SAMPLE).account
    assert not EnterpriseAccount.objects.filter(pk=squatter.pk).exists()
    assert accounts.verify(accounts.verification_token(squatter), PASSWORD) is None
    assert accounts.verify(accounts.verification_token(owner), PASSWORD) is not None


def test_an_enterprise_signs_in_and_out_on_its_own_pages(catalogue):
    account = make_account()
    client = signed_in(account)
    assert client.session["_auth_user_id"] == str(account.user.pk)
    assert "我的账户" in client.get("/").content.decode()
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, catalogue):
    account = make_account()
    response = client.post(reverse("accounts:login"), {"email": account.email, "password": "wrong-password"})
    assert response.status_code == 200 and "邮箱或密码不正确" in response.content.decode()
    response = client.post(reverse("accounts:login"), {"email": "nobody@x.example.com", "password": PASSWORD})
    assert "邮箱或密码不正确" in response.content.decode()


def test_enterprise_login_locks_after_five_failures_like_the_staff_logins(client, catalogue):
    account = make_account()
    responses = [
        client.post(reverse("accounts:login"), {"email": account.email, "password": "wrong-password"})
        for _ in range(5)
    ]
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429 and "登录失败次数过多" in responses[4].content.decode()
    again = client.post(reverse("accounts:login"), {"email": account.email, "password": PASSWORD})
    assert again.status_code == 429 and "_auth_user_id" not in client.session


def test_staff_and_hotline_accounts_cannot_sign_in_as_an_enterprise(client, catalogue):
    User.objects.create_user("clerk@gov.example.cn", "clerk@gov.example.cn", PASSWORD, is_staff=True)
    response = client.post(reverse("accounts:login"), {"email": "clerk@gov.example.cn", "password": PASSWORD})
    assert response.status_code == 200 and "邮箱或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_registration_and_login_are_rate_limited_per_address():
    from django.conf import settings

    limited = {(method, prefix) for method, prefix, _ in settings.RATE_LIMITS}
    assert ("POST", reverse("accounts:register")) in limited
    assert ("POST", reverse("accounts:login")) in limited


# --- profile, past results, re-run ----------------------------------------------------------------


def form_data(asked: list[str], profile: dict[str, Any]) -> dict[str, str]:
    data: dict[str, str] = {}
    for name in asked:
        if name == "industry_section":
            data[name] = (profile.get("industry") or "")[:1]
        elif name == "industry_detail":
            data[name] = profile.get("industry") or ""
        elif name == "equipment":
            items = profile.get("equipment") or []
            data[name] = "yes" if items else "no"
            data["equipment-TOTAL_FORMS"] = str(max(len(items), 3))
            data["equipment-INITIAL_FORMS"] = "0"
            for i, item in enumerate(items):
                data[f"equipment-{i}-unit_value_wan"] = str(item["unit_value_wan"])
                data[f"equipment-{i}-min_depreciation_years"] = str(item["min_depreciation_years"])
                data[f"equipment-{i}-purchase_date"] = item["purchase_date"]
        else:
            value = profile.get(name)
            data[name] = (
                "" if value is None else ("yes" if value else "no") if isinstance(value, bool) else str(value)
            )
    return data


def walk(client: Client, profile: dict[str, Any]) -> str:
    url = reverse("enterprises:check")
    for _ in range(len(STEPS) + 1):
        page = client.get(url)
        response = client.post(url, {**form_data(page.context["plan"].asked, profile), "nav": "next"})
        assert response.status_code == 302, response.context["form"].errors
        url = response["Location"]
        if "/check/result/" in url:
            return url
    raise AssertionError("the questionnaire never ended")


def test_a_signed_in_enterprise_keeps_its_answers_and_they_prefill_the_questionnaire_next_time(catalogue):
    account = make_account()
    client = signed_in(account)
    profile = example_profile()
    url = walk(client, profile)
    account.refresh_from_db()
    receipt = Receipt.objects.get()
    assert url == receipt.get_absolute_url()
    assert list(account.receipts()) == [receipt]
    assert account.profile == receipt.profile and account.profile["taxable_income_wan"] == 150
    assert "本结果已保存到" in client.get(url).content.decode()

    client.post(reverse("accounts:logout"))
    client = signed_in(account)
    page = client.get(reverse("enterprises:check_step", args=["tax"]))
    assert page.status_code == 200
    assert page.context["form"]["taxable_income_wan"].value() in (150, "150", 150.0)
    assert 'value="150"' in page.content.decode()


def test_the_account_page_lists_past_results_newest_first_with_their_links(catalogue):
    account = make_account()
    older = save_receipt({**example_profile(), "taxable_income_wan": 350})
    newer = save_receipt(example_profile())
    accounts.keep_receipt(account, older)
    accounts.keep_receipt(account, newer)
    save_receipt(example_profile())  # someone else's, never listed
    page = signed_in(account).get(reverse("accounts:home"))
    assert [r.pk for r in page.context["receipts"]] == [newer.pk, older.pk]
    html = page.content.decode()
    assert newer.get_absolute_url() in html and older.get_absolute_url() in html
    assert Receipt.objects.count() == 3 and html.count("/check/result/") == 2


def test_a_result_viewed_while_signed_in_can_be_saved_to_the_account(catalogue):
    account = make_account()
    receipt = save_receipt(example_profile())
    client = signed_in(account)
    assert "保存到我的账户" in client.get(receipt.get_absolute_url()).content.decode()
    response = client.post(reverse("accounts:keep", args=[receipt.token]))
    assert response["Location"] == receipt.get_absolute_url()
    account.refresh_from_db()
    assert list(account.receipts()) == [receipt] and account.profile == receipt.profile


def test_one_click_reruns_the_saved_profile_on_the_current_rules_as_a_new_result(catalogue):
    account = make_account()
    first = save_receipt(example_profile())
    accounts.keep_receipt(account, first)
    set_small_low_profit_ceiling(100)
    response = signed_in(account).post(reverse("accounts:rerun"))
    second = account.receipts().first()
    assert second.pk != first.pk and response["Location"] == second.get_absolute_url()
    assert second.profile == first.profile
    assert second.rules_version == screening.current_rules()[1] != first.rules_version
    assert statuses(first)[7] == "eligible" and statuses(second)[7] == "ineligible"


def test_rerunning_without_a_saved_profile_sends_the_enterprise_to_the_questionnaire(catalogue):
    response = signed_in(make_account()).post(reverse("accounts:rerun"))
    assert response["Location"] == reverse("enterprises:check")
    assert not Receipt.objects.exists()


def test_after_a_rule_change_the_account_page_names_the_measures_lost(catalogue):
    account = make_account()
    accounts.keep_receipt(account, save_receipt(example_profile()))
    client = signed_in(account)
    assert client.get(reverse("accounts:home")).context["news"] is None  # same rules: nothing to say

    set_small_low_profit_ceiling(100)
    page = client.get(reverse("accounts:home"))
    news = page.context["news"]
    assert 7 in [c.measure for c in news.losses] and not news.gains
    html = page.content.decode()
    assert "不再符合的政策" in html and "第7条" in html

    client.post(reverse("accounts:rerun"))  # the new result is on the current rules: no news
    assert client.get(reverse("accounts:home")).context["news"] is None


def test_after_a_rule_change_the_account_page_names_the_measures_gained(catalogue):
    account = make_account()
    receipt = save_receipt({**example_profile(), "taxable_income_wan": 350})
    accounts.keep_receipt(account, receipt)
    assert statuses(receipt)[7] == "ineligible"
    set_small_low_profit_ceiling(400)
    page = signed_in(account).get(reverse("accounts:home"))
    gains = page.context["news"].gains
    assert 7 in [c.measure for c in gains]
    assert next(c for c in gains if c.measure == 7).after_label == "可享受"
    assert "新增可享受的政策" in page.content.decode()


def test_a_rule_change_is_emailed_once_to_accounts_that_keep_the_notice_on(catalogue, mailoutbox):
    on, off = make_account(), make_account("quiet@firm.example.com", VALID_CODES[1])
    for account in (on, off):
        accounts.keep_receipt(account, save_receipt(example_profile()))
    assert not on.rule_news_email and not off.rule_news_email  # opt-in: off until the enterprise turns it on
    signed_in(on).post(reverse("accounts:rule_news_email"), {"on": "1"})
    client = signed_in(off)
    client.post(reverse("accounts:rule_news_email"), {"on": "0"})
    on.refresh_from_db()
    off.refresh_from_db()
    assert on.rule_news_email and not off.rule_news_email

    assert accounts.notify_rule_changes() == 0  # the rules have not changed: nothing to say
    set_small_low_profit_ceiling(100)
    call_command("notify_rule_changes", stdout=StringIO())
    assert [m.to for m in mailoutbox] == [[on.email]]
    message = mailoutbox[0]
    assert "不再符合" in message.subject
    assert "第7条" in message.body and reverse("accounts:home") in message.body
    assert accounts.notify_rule_changes() == 0  # once per rule version
    assert len(mailoutbox) == 1


# --- whose data it is ---------------------------------------------------------------------------------


def test_enterprise_a_sees_only_its_own_account_and_cannot_reach_b_s_by_guessing(catalogue):
    a, b = (
        make_account("a@firm.example.com", VALID_CODES[0]),
        make_account("b@firm.example.com", VALID_CODES[1]),
    )
    b_receipt = save_receipt({**example_profile(), "employees": 77})
    accounts.keep_receipt(b, b_receipt)
    client = signed_in(a)
    home = client.get(reverse("accounts:home")).content.decode()
    assert VALID_CODES[1] not in home and str(b_receipt.token) not in home and "b@firm" not in home
    export = json.loads(client.get(reverse("accounts:export")).content)
    assert export["account"]["uscc"] == VALID_CODES[0] and export["receipts"] == []
    for guess in [
        f"/accounts/{b.pk}/",
        f"/accounts/{b.user.pk}/",
        f"/accounts/{b.pk}/export/",
        f"/accounts/profile/{b.pk}/",
        f"/accounts/results/{b_receipt.pk}/keep/",
        f"/check/result/{b_receipt.pk}/",
        f"/accounts/export/?id={b.pk}",
    ]:
        response = client.get(guess)
        assert response.status_code == 404 or VALID_CODES[1] not in response.content.decode(), guess
    assert client.get(f"/accounts/{b.pk}/").status_code == 404
    assert client.get(f"/check/result/{b_receipt.pk}/").status_code == 404
    assert client.get(f"/check/result/{uuid.uuid4()}/").status_code == 404
    # Even knowing B's link, A cannot make B's result its own.
    assert client.post(reverse("accounts:keep", args=[b_receipt.token])).status_code == 404
    assert client.post(reverse("accounts:keep", args=[uuid.uuid4()])).status_code == 404
    assert list(b.receipts()) == [b_receipt] and not a.receipts().exists()


def test_hotline_agents_and_officials_cannot_open_enterprise_account_pages(
    client, catalogue, hotline_agent, tax_official
):
    account = make_account()
    receipt = save_receipt(example_profile())
    accounts.keep_receipt(account, receipt)
    pages = [reverse("accounts:home"), reverse("accounts:export"), reverse("accounts:delete")]
    for staff in (hotline_agent, tax_official):
        client.force_login(staff)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 403, url
            assert account.uscc not in response.content.decode()
        assert client.post(reverse("accounts:rerun")).status_code == 403
        assert client.post(reverse("accounts:keep", args=[receipt.token])).status_code == 403
    # Staff see a result only through the link the enterprise chose to give.
    client.force_login(hotline_agent)
    assert client.get(receipt.get_absolute_url()).status_code == 200


def test_anonymous_visitors_are_sent_to_the_enterprise_login(client):
    for url in [reverse("accounts:home"), reverse("accounts:export"), reverse("accounts:delete")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url


def test_the_login_page_does_not_redirect_to_another_site(catalogue):
    account = make_account()
    response = Client().post(
        reverse("accounts:login") + "?next=https://evil.example.com/",
        {"email": account.email, "password": PASSWORD},
    )
    assert response["Location"] == reverse("accounts:home")


# --- export and delete -------------------------------------------------------------------------------


def subscribe(email: str, profile: dict[str, Any]) -> Subscription:
    return Subscription.objects.create(
        email=email, profile=profile, profile_digest=profile_digest(profile), consent_version=CONSENT_VERSION
    )


def test_export_downloads_the_account_profile_receipts_and_subscriptions_as_json(catalogue):
    account = make_account()
    receipt = save_receipt(example_profile())
    accounts.keep_receipt(account, receipt)
    subscribe(account.email, receipt.profile)
    response = signed_in(account).get(reverse("accounts:export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"] == {
        **data["account"],
        "email": account.email,
        "uscc": account.uscc,
        "name": "太原某某机械有限公司",
    }
    assert data["profile"] == receipt.profile
    assert [r["token"] for r in data["receipts"]] == [str(receipt.token)]
    assert data["receipts"][0]["answer"] == receipt.answer
    assert [s["email"] for s in data["subscriptions"]] == [account.email]


def test_delete_needs_the_password(catalogue):
    account = make_account()
    client = signed_in(account)
    response = client.post(reverse("accounts:delete"), {"password": "wrong-password"})
    assert response.status_code == 200 and "密码不正确,数据未删除" in response.content.decode()
    assert EnterpriseAccount.objects.filter(pk=account.pk).exists()


def test_delete_removes_the_account_profile_its_receipts_and_its_subscriptions_only(catalogue):
    account, other = make_account(), make_account("other@firm.example.com", VALID_CODES[1])
    mine = save_receipt(example_profile())
    accounts.keep_receipt(account, mine)
    theirs = save_receipt(example_profile())
    accounts.keep_receipt(other, theirs)
    anonymous = save_receipt(example_profile())
    subscribe(account.email, mine.profile)
    subscribe(other.email, theirs.profile)
    client = signed_in(account)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert not EnterpriseAccount.objects.filter(pk=account.pk).exists()
    assert not User.objects.filter(username=account.email).exists()
    assert not Receipt.objects.filter(pk=mine.pk).exists()
    assert client.get(mine.get_absolute_url()).status_code == 404
    assert not Subscription.objects.filter(email=account.email).exists()
    assert set(Receipt.objects.values_list("pk", flat=True)) == {theirs.pk, anonymous.pk}
    assert Subscription.objects.filter(email=other.email).exists()
    assert list(other.receipts()) == [theirs]


def test_beat_runs_the_rule_change_notification_daily():
    from django.conf import settings

    from enterprises.reminders.tasks import start_rule_news

    entry = settings.CELERY_BEAT_SCHEDULE["accounts-rule-changes"]
    assert (
        entry["task"] == start_rule_news.name == "enterprises.tasks.start_rule_news"
    )  # in chunks, with progress


# --- issue 10: takeover by registration, delete-form guesses, export and session leftovers --------


def test_registering_someone_elses_address_does_not_hand_over_their_subscriptions(
    client, catalogue, mailoutbox, django_capture_on_commit_callbacks
):
    """Finding 2: the victim confirmed a subscription; an attacker registers Victim@Example.com."""
    victim = subscribe("victim@example.com", {"employees": 30})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:register"), registration(email="Victim@Example.com"))
    # Without the link (it went to the victim's mailbox) the attacker cannot sign in at all.
    login = client.post(reverse("accounts:login"), {"email": "Victim@Example.com", "password": PASSWORD})
    assert "_auth_user_id" not in client.session and login.status_code == 200
    assert client.get(reverse("accounts:export")).status_code == 302
    client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert Subscription.objects.filter(pk=victim.pk).exists()
    # Even once verified, an account sees only what was subscribed after its verification.
    account = accounts.verify(accounts.verification_token(EnterpriseAccount.objects.get()), PASSWORD)
    later = subscribe("victim@example.com", {"employees": 31})
    assert list(accounts.linked_subscriptions(account)) == [later]
    data = json.loads(signed_in(account).get(reverse("accounts:export")).content)
    assert [s["profile"] for s in data["subscriptions"]] == [{"employees": 31}]


def test_password_reset_by_email_does_not_say_whether_the_address_has_an_account(
    client, catalogue, mailoutbox
):
    account = make_account()
    pages = []
    for email in (account.email, "nobody@firm.example.com"):
        response = client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)
        assert response.status_code == 200
        pages.append(re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode()))
    assert pages[0] == pages[1]
    (mail,) = mailoutbox
    assert mail.to == [account.email]
    link = next(line for line in mail.body.split() if "/accounts/password/reset/" in line)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(path, follow=True)
    new = "Neue-passwort-2023!"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert (
        Client().post(reverse("accounts:login"), {"email": account.email, "password": new}).status_code == 302
    )


def test_staff_cannot_reset_their_password_through_the_enterprise_page(client, tax_official, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": tax_official.email})
    assert mailoutbox == []


def test_password_guesses_on_the_delete_form_count_towards_the_lockout(catalogue):
    """Finding 13: five wrong passwords on the delete form lock it like the login page."""
    account = make_account()
    client = signed_in(account)
    for _ in range(5):
        client.post(reverse("accounts:delete"), {"password": "wrong-password"})
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    assert EnterpriseAccount.objects.filter(pk=account.pk).exists()


def test_the_export_lists_the_sign_in_history(catalogue):
    """Finding 14: the audit trail's rows about the account are part of its data."""
    account = make_account()
    Client().post(reverse("accounts:login"), {"email": account.email, "password": "wrong-password"})
    data = json.loads(signed_in(account).get(reverse("accounts:export")).content)
    actions = [row["action"] for row in data["sign_in_history"]]
    assert "login_failed" in actions and "login" in actions, actions
    assert all(row["ip"] == "127.0.0.1" for row in data["sign_in_history"])


def test_deleting_the_account_deletes_its_sessions_on_every_device(catalogue):
    from django.contrib.sessions.models import Session

    account = make_account()
    laptop, phone = signed_in(account), signed_in(account)
    phone.post(reverse("accounts:edit_profile"))
    stranger = Client()
    stranger.get(reverse("enterprises:check"))
    stranger.post(reverse("accounts:login"), {"email": "x@y.example.com", "password": "wrong"})
    kept = set(
        Session.objects.exclude(
            session_key__in=[laptop.session.session_key, phone.session.session_key]
        ).values_list("session_key", flat=True)
    )
    laptop.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert set(Session.objects.values_list("session_key", flat=True)) <= kept
    assert not Session.objects.filter(session_key=phone.session.session_key).exists()


def test_beat_clears_expired_sessions_every_night():
    from django.conf import settings

    from audit.tasks import clear_expired_sessions

    entry = settings.CELERY_BEAT_SCHEDULE["clear-sessions"]
    assert entry["task"] == "audit.tasks.clear_expired_sessions"
    assert clear_expired_sessions() is None
