"""Deadline reminders: double opt-in, signed links, stages, exactly-once sending, API errors.

Celery runs in-process here (eager) whatever REDIS_URL says; the real broker and worker are
exercised in test_reminders_e2e.py. Time is frozen with time-machine on the dates of measure 12
(refund deadlines 2022-04-30 for micro enterprises and 2022-06-30 for the others).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from enterprises.models import ReminderNotice, Subscription
from enterprises.reminders import planning as reminders
from portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

# Profiles as the self-check produces them (no personal information in them).
MICRO = {
    "industry": "C36",
    "entity_type": "enterprise",
    "employees": 8,
    "revenue_wan": 80,
    "total_assets_wan": 50,
    "retained_vat_credit_wan": 12,
    "tax_credit_rating": "A",
}
SMALL = {**MICRO, "employees": 80, "revenue_wan": 1000, "total_assets_wan": 500}
SIZE_UNKNOWN = {"retained_vat_credit_wan": 12, "tax_credit_rating": "A"}
NO_REFUND = {**SMALL, "tax_credit_rating": "D"}

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def eager_celery() -> Iterator[None]:
    """Run tasks in-process for these tests even when CI sets REDIS_URL."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    """Execute transaction.on_commit callbacks (task enqueues) as a real commit would."""

    def runner():  # noqa: ANN202
        return django_capture_on_commit_callbacks(execute=True)

    return runner


def subscribe(
    email: str, profile: dict, *, confirm: bool = True, now: datetime.datetime | None = None
) -> Subscription:
    with time_machine.travel(now or at("2022-04-01"), tick=False):
        result = reminders.subscribe(email, reminders.clean_profile(profile), consent_given=True)
        if confirm:
            result.subscription.confirm()
    return result.subscription


def run_round(day: str, run_on_commit, hour: int = 9) -> reminders.RoundResult:  # noqa: ANN001
    with time_machine.travel(at(day, hour), tick=False), run_on_commit():
        return reminders.run_round()  # `sent` is counted when read, after the commits ran the tasks


def reminder_mails() -> list:
    return [m for m in mail.outbox if "确认订阅" not in m.subject]


# Stages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [(45, None), (31, None), (30, 30), (10, 30), (8, 30), (7, 7), (2, 7), (1, 1), (0, 1), (-1, None)],
)
def test_only_the_latest_stage_reached_is_due(days_left: int, stage: int | None) -> None:
    deadline = datetime.date(2022, 6, 30)
    assert reminders.due_stage(deadline, deadline - datetime.timedelta(days=days_left)) == stage


def test_a_subscriber_who_joins_ten_days_before_gets_the_30_day_notice_once_then_the_7_and_1_day_ones(
    catalogue, run_on_commit
) -> None:
    subscription = subscribe("caiwu@example.com", SMALL, now=at("2022-06-20"))
    sent_on = {}
    day = datetime.date(2022, 6, 20)
    while day <= datetime.date(2022, 7, 5):
        for hour in (9, 15):  # two rounds a day must not double anything
            before = len(mail.outbox)
            run_round(day.isoformat(), run_on_commit, hour)
            if len(mail.outbox) > before:
                sent_on.setdefault(day, []).extend(mail.outbox[before:])
        day += datetime.timedelta(days=1)
    assert sorted(sent_on) == [
        datetime.date(2022, 6, 20),
        datetime.date(2022, 6, 23),
        datetime.date(2022, 6, 29),
    ]
    assert all(len(messages) == 1 for messages in sent_on.values())
    stages = list(
        ReminderNotice.objects.filter(subscription=subscription)
        .order_by("sent_at")
        .values_list("stage", "status")
    )
    assert stages == [(30, "sent"), (7, "sent"), (1, "sent")]
    assert "还有10天" in sent_on[datetime.date(2022, 6, 20)][0].subject


def test_a_round_run_twice_or_by_two_schedulers_sends_nothing_twice(catalogue, run_on_commit) -> None:
    subscribe("caiwu@example.com", SMALL)
    first = run_round("2022-06-23", run_on_commit)
    second = run_round("2022-06-23", run_on_commit, hour=10)
    assert (first.created, first.queued, first.sent) == (1, 1, 1)
    assert (second.created, second.queued, second.sent) == (0, 0, 0)
    assert len(reminder_mails()) == 1


def test_nothing_is_sent_after_the_deadline(catalogue, run_on_commit) -> None:
    subscribe("caiwu@example.com", SMALL)
    result = run_round("2022-07-01", run_on_commit)
    assert result.queued == 0
    assert reminder_mails() == []


def test_the_micro_enterprise_deadline_reaches_only_micro_enterprises(catalogue, run_on_commit) -> None:
    micro = subscribe("micro@example.com", MICRO)
    small = subscribe("small@example.com", SMALL)
    run_round("2022-04-23", run_on_commit)  # 7 days before 2022-04-30
    assert [m.to for m in reminder_mails()] == [["micro@example.com"]]
    assert ReminderNotice.objects.get(subscription=micro).deadline_date == datetime.date(2022, 4, 30)
    assert not ReminderNotice.objects.filter(subscription=small).exists()
    mail.outbox.clear()
    run_round("2022-06-23", run_on_commit)
    assert [m.to for m in reminder_mails()] == [["small@example.com"]]


def test_an_enterprise_that_may_qualify_is_told_what_it_still_has_to_confirm(
    catalogue, run_on_commit
) -> None:
    subscribe("caiwu@example.com", SIZE_UNKNOWN)
    run_round("2022-04-29", run_on_commit)
    (message,) = reminder_mails()
    text = message.body
    assert "还需要确认" in text
    assert "所属行业" in text and "营业收入" in text
    assert "只适用于部分企业" in text  # the micro-only date depends on the unknown size


def test_an_ineligible_enterprise_gets_no_reminder(catalogue, run_on_commit) -> None:
    subscribe("caiwu@example.com", NO_REFUND)
    assert run_round("2022-06-23", run_on_commit).queued == 0
    assert reminder_mails() == []


def test_eligibility_is_checked_again_when_the_notice_is_sent(catalogue, run_on_commit) -> None:
    subscription = subscribe("caiwu@example.com", SMALL)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(
            reminders._due_deadlines(datetime.date(2022, 6, 23)), datetime.date(2022, 6, 23)
        )
    # The enterprise's standing changes before a worker gets to the notice.
    Subscription.objects.filter(pk=subscription.pk).update(profile=NO_REFUND)
    notice = ReminderNotice.objects.get()
    with time_machine.travel(at("2022-06-23"), tick=False):
        outcome = reminders.send_notices([notice.pk])
    assert outcome.skipped == [notice.pk]
    notice.refresh_from_db()
    assert notice.status == "skipped" and "不适用" in notice.detail
    assert mail.outbox == []


def test_the_reminder_names_the_measure_date_reasons_what_to_do_and_links(
    catalogue, run_on_commit, settings
) -> None:
    settings.SITE_URL = "https://huiqi.example.gov.cn"
    subscription = subscribe("caiwu@example.com", SMALL)
    run_round("2022-06-23", run_on_commit)
    (message,) = reminder_mails()
    notice = ReminderNotice.objects.get()
    assert message.subject.startswith("【惠企政策通】还有7天:第12条")
    assert "2022年6月30日截止" in message.subject
    body = message.body
    assert "符合条件" in body and "存量留抵税额12万元" in body
    assert "怎么办理" in body and "省税务局" in body
    assert "https://huiqi.example.gov.cn/measures/12/" in body
    unsubscribe_url = re.search(r"https://huiqi\.example\.gov\.cn/reminders/unsubscribe/\S+/", body).group(0)
    token = unsubscribe_url.rstrip("/").rsplit("/", 1)[-1]
    with time_machine.travel(at("2022-07-01"), tick=False):
        assert Subscription.from_token(token, purpose="unsubscribe")[0] == subscription
    html = message.alternatives[0][0]
    assert "https://huiqi.example.gov.cn/measures/12/" in html and unsubscribe_url in html
    assert (
        message.extra_headers["Message-ID"]
        == notice.message_id
        == f"<reminder-{notice.pk}@huiqi.example.gov.cn>"
    )
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_mail_merged_reminder_has_the_same_mime_content_as_one_built_in_full(
    catalogue, run_on_commit
) -> None:
    import email
    import email.policy

    from django.core.mail import EmailMultiAlternatives

    subscribe("a@example.com", SMALL)
    subscribe("b@example.com", SMALL)
    run_round("2022-06-23", run_on_commit)
    assert len(reminder_mails()) == 2
    for sent in reminder_mails():
        full = EmailMultiAlternatives(
            sent.subject, sent.body, sent.from_email, sent.to, headers=sent.extra_headers
        )
        full.attach_alternative(*sent.alternatives[0])
        merged = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
        built = email.message_from_bytes(full.message().as_bytes(), policy=email.policy.default)
        for header in ("To", "From", "Subject", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
            assert str(merged[header]).strip() == str(built[header]).strip(), header  # folding may differ
        for kind in ("plain", "html"):
            assert merged.get_body((kind,)).get_content() == built.get_body((kind,)).get_content()
    assert len({m.message().as_bytes() for m in reminder_mails()}) == 2


# Exactly once ----------------------------------------------------------------------------------


def test_a_claimed_notice_cannot_be_claimed_again_until_its_lease_expires(catalogue) -> None:
    subscribe("caiwu@example.com", SMALL)
    with time_machine.travel(at("2022-06-23"), tick=False) as traveller:
        reminders._create_notices(
            reminders._due_deadlines(datetime.date(2022, 6, 23)), datetime.date(2022, 6, 23)
        )
        notice = ReminderNotice.objects.get()
        other_worker = ReminderNotice.objects.get()
        assert notice.claim() is True
        assert other_worker.claim() is False
        assert reminders.sweep() == 0  # a live lease is left alone
        traveller.shift(datetime.timedelta(minutes=3))  # the worker died holding it
        assert ReminderNotice.objects.needing_requeue(timezone.now()).count() == 1
        assert other_worker.claim() is True
        other_worker.refresh_from_db()
        assert other_worker.attempts == 2


def test_a_mail_failure_is_retried_and_the_notice_is_sent_exactly_once(catalogue, monkeypatch) -> None:
    subscribe("caiwu@example.com", SMALL)
    calls = {"n": 0}
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def flaky(self, messages):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError("SMTP server down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(
            reminders._due_deadlines(datetime.date(2022, 6, 23)), datetime.date(2022, 6, 23)
        )
        notice = ReminderNotice.objects.get()
        first = reminders.send_notices([notice.pk])
        notice.refresh_from_db()
        assert first.retry == [notice.pk]
        assert (notice.status, notice.attempts) == ("pending", 1)
        assert "SMTP server down" in notice.detail
        second = reminders.send_notices([notice.pk])
        third = reminders.send_notices([notice.pk])  # a duplicate delivery of the task
    notice.refresh_from_db()
    assert second.sent == [notice.pk] and third.busy == [notice.pk]
    assert (notice.status, notice.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_the_celery_task_retries_a_failed_mail_with_backoff(catalogue, monkeypatch) -> None:
    from enterprises.reminders import tasks

    subscribe("caiwu@example.com", SMALL)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(
            reminders._due_deadlines(datetime.date(2022, 6, 23)), datetime.date(2022, 6, 23)
        )
    notice = ReminderNotice.objects.get()
    retried = {}

    def fake_retry(*, args, countdown):  # noqa: ANN202
        retried.update(args=args, countdown=countdown)
        raise RuntimeError("retry scheduled")

    monkeypatch.setattr(tasks.send_notices, "retry", fake_retry)
    monkeypatch.setattr(
        "enterprises.reminders.planning.get_connection", lambda **kw: (_ for _ in ()).throw(OSError("down"))
    )
    with (
        time_machine.travel(at("2022-06-23"), tick=False),
        pytest.raises(RuntimeError, match="retry scheduled"),
    ):
        tasks.send_notices.run([notice.pk], at("2022-06-23").isoformat())
    assert retried["args"] == [[notice.pk], at("2022-06-23").isoformat()]
    assert retried["countdown"] == 30
    assert [tasks.backoff(n) for n in range(5)] == [30, 60, 120, 240, 240]


def test_a_notice_the_server_keeps_rejecting_ends_failed_after_its_last_attempt(
    catalogue, monkeypatch, settings
) -> None:
    import smtplib

    settings.REMINDER_MAX_ATTEMPTS = 3
    subscribe("caiwu@example.com", SMALL)
    rejected = smtplib.SMTPDataError(554, b"5.7.1 message refused")  # permanent: 5xx
    monkeypatch.setattr(
        "enterprises.reminders.planning.get_connection", lambda **kw: (_ for _ in ()).throw(rejected)
    )
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(
            reminders._due_deadlines(datetime.date(2022, 6, 23)), datetime.date(2022, 6, 23)
        )
        notice = ReminderNotice.objects.get()
        outcomes = [reminders.send_notices([notice.pk]) for _ in range(4)]
    notice.refresh_from_db()
    assert [bool(o.retry) for o in outcomes] == [True, True, False, False]
    assert outcomes[2].failed == [notice.pk]
    assert (notice.status, notice.attempts) == ("failed", 3)


def test_the_sweeper_requeues_notices_whose_task_was_lost(catalogue, run_on_commit, monkeypatch) -> None:
    subscribe("caiwu@example.com", SMALL)
    from enterprises.reminders import tasks

    lost = []
    monkeypatch.setattr(tasks.send_notices, "delay", lambda ids, at=None: lost.append(ids))
    run_round("2022-06-23", run_on_commit)  # the broker loses the task
    assert len(lost) == 1 and mail.outbox == []
    monkeypatch.undo()
    with (
        time_machine.travel(at("2022-06-23", 9) + datetime.timedelta(minutes=20), tick=False),
        run_on_commit(),
    ):
        assert reminders.sweep() == 1
    assert ReminderNotice.objects.get().status == "sent"
    assert len(reminder_mails()) == 1


@pytest.mark.django_db(transaction=True)  # real commits, as when the command runs in production
def test_send_reminders_prints_how_many_notices_it_queued_and_sent(catalogue) -> None:
    subscribe("a@example.com", SMALL)
    subscribe("b@example.com", SMALL)
    out = StringIO()
    call_command("send_reminders", "--now", "2022-06-23T09:00+08:00", stdout=out)
    assert "queued 2 notices (2 new), sent 2" in out.getvalue()
    out = StringIO()
    call_command("send_reminders", "--now", "2022-06-23T10:00+08:00", stdout=out)
    assert "queued 0 notices (0 new), sent 0" in out.getvalue()
    assert len(reminder_mails()) == 2


def test_send_reminders_refuses_a_malformed_moment(catalogue) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_reminders", "--now", "next tuesday")


# Double opt-in and links ------------------------------------------------------------------------


def form_data(profile: dict = SMALL, **extra: str) -> dict:
    return {"email": "caiwu@example.com", "consent": "on", "profile": json.dumps(profile), **extra}


def test_subscribing_sends_only_the_confirmation_email_until_the_link_is_followed(
    client: Client, catalogue, run_on_commit
) -> None:
    with time_machine.travel(at("2022-06-23"), tick=False), run_on_commit():
        response = client.post("/reminders/subscribe/", form_data())
    assert response.status_code == 302
    (confirmation,) = mail.outbox
    assert confirmation.to == ["caiwu@example.com"] and "确认订阅" in confirmation.subject
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None and subscription.consent_version
    # A round on a due day sends nothing to the unconfirmed address.
    assert run_round("2022-06-23", run_on_commit, hour=10).queued == 0
    assert len(mail.outbox) == 1
    confirm_url = re.search(r"https?://\S+/confirm/\S+/", confirmation.body).group(0)
    path = confirm_url.split("//", 1)[1].split("/", 1)[1]
    with time_machine.travel(at("2022-06-23", 11), tick=False):
        page = client.get("/" + path)  # a mail scanner opening the link confirms nothing
        assert page.status_code == 200 and "同意并确认订阅" in page.content.decode()
        assert Subscription.objects.get().confirmed_at is None
        confirmed = client.post("/" + path)
    assert confirmed.status_code == 200 and "订阅已确认" in confirmed.content.decode()
    assert "第12条" in confirmed.content.decode()  # the upcoming reminders are listed
    assert Subscription.objects.get().is_active
    assert run_round("2022-06-23", run_on_commit, hour=12).sent == 1


def test_subscribing_the_same_address_and_profile_again_duplicates_nothing(
    client: Client, catalogue, run_on_commit
) -> None:
    with time_machine.travel(at("2022-06-20"), tick=False), run_on_commit():
        client.post("/reminders/subscribe/", form_data())
        client.post("/reminders/subscribe/", form_data(email=" CaiWu@Example.com "))
    assert Subscription.objects.count() == 1
    assert len(mail.outbox) == 1  # the confirmation is not re-sent within minutes
    Subscription.objects.get().confirm()
    with time_machine.travel(at("2022-06-21"), tick=False), run_on_commit():
        client.post("/reminders/subscribe/", form_data())
    assert Subscription.objects.count() == 1 and len(mail.outbox) == 1  # confirmed: nothing to send
    run_round("2022-06-23", run_on_commit)
    assert len(reminder_mails()) == 1


def test_the_form_says_what_is_stored_and_why_and_the_consent_box_is_unticked(
    client: Client, catalogue
) -> None:
    response = client.post(
        "/reminders/subscribe/", {"email": "caiwu@example.com", "profile": json.dumps(SMALL)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "保存什么" in html and "用来做什么" in html and "保存多久" in html and "随时退订" in html
    consent = re.search(r'<input type="checkbox" name="consent"[^>]*>', html).group(0)
    assert "checked" not in consent
    assert "订阅提醒需要您勾选同意" in html
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_the_subscribe_page_without_a_self_check_explains_and_points_to_it(client: Client, catalogue) -> None:
    html = client.get("/reminders/subscribe/").content.decode()
    assert "保存什么" in html and 'href="/check/"' in html
    assert 'name="email"' not in html  # nothing to subscribe to without a profile


def test_the_result_page_subscribes_with_its_receipt_and_the_as_of_day_is_not_kept(
    client: Client, catalogue, run_on_commit
) -> None:
    from enterprises.selfcheck.receipts import save_receipt

    receipt = save_receipt({**SMALL, "as_of": "2022-05-10"})
    page = client.get(receipt.get_absolute_url()).content.decode()
    assert 'action="/reminders/subscribe/"' in page and f'name="receipt" value="{receipt.token}"' in page
    with run_on_commit():
        response = client.post(
            "/reminders/subscribe/",
            {"email": "caiwu@example.com", "consent": "on", "receipt": str(receipt.token)},
        )
    assert response.status_code == 302
    assert Subscription.objects.get().profile == SMALL
    assert len(mail.outbox) == 1


def test_the_result_page_can_include_the_form_with_its_profile(rf) -> None:  # noqa: ANN001
    from django.template import engines

    template = engines["django"].from_string(
        "{% load reminder_tags %}{% reminder_subscribe_form profile=p %}"
    )
    html = template.render({"p": {"employees": 8}}, rf.get("/"))
    assert 'action="/reminders/subscribe/"' in html
    assert 'name="profile" value="{&quot;employees&quot;: 8}"' in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form_data(email="not-an-email"), "请填写有效的电子邮箱"),
        (form_data(profile={"employes": 8}), "不支持的字段"),
        (form_data(profile={"employees": -3}), "从业人数"),
        ({"email": "caiwu@example.com", "consent": "on", "profile": "{not json"}, "企业情况数据无法识别"),
        ({"email": "caiwu@example.com", "consent": "on"}, "请先完成政策自测"),
        ({"email": "caiwu@example.com", "consent": "on", "receipt": "not-a-uuid"}, "找不到这份自测结果"),
    ],
)
def test_bad_form_input_gets_a_chinese_message_and_sends_nothing(
    client: Client, catalogue, data, message
) -> None:  # noqa: ANN001
    response = client.post("/reminders/subscribe/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_a_tampered_confirmation_link_gets_a_clear_chinese_message(client: Client, catalogue) -> None:
    subscription = subscribe("caiwu@example.com", SMALL, confirm=False)
    token = subscription.confirm_token()
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "garbage",
        token.replace(":", "x", 1),
    ):
        for method in (client.get, client.post):
            response = method(f"/reminders/confirm/{bad}/")
            assert response.status_code == 400
            assert "链接无效或已被修改" in response.content.decode()
    assert Subscription.objects.get().confirmed_at is None


def test_a_confirmation_link_for_another_purpose_is_refused(client: Client, catalogue) -> None:
    subscription = subscribe("caiwu@example.com", SMALL, confirm=False)
    response = client.post(f"/reminders/confirm/{subscription.unsubscribe_token()}/")
    assert response.status_code == 400
    assert Subscription.objects.get().confirmed_at is None


def test_an_expired_confirmation_link_gets_a_clear_chinese_message(client: Client, catalogue) -> None:
    with time_machine.travel(at("2022-06-01"), tick=False):
        subscription = subscribe("caiwu@example.com", SMALL, confirm=False, now=at("2022-06-01"))
        token = subscription.confirm_token()
    with time_machine.travel(at("2022-06-09"), tick=False):
        response = client.post(f"/reminders/confirm/{token}/")
    assert response.status_code == 410
    assert "确认链接已过期" in response.content.decode()
    assert Subscription.objects.get().confirmed_at is None


def test_one_click_unsubscribe_works_from_the_link_alone(catalogue, run_on_commit) -> None:
    subscription = subscribe("caiwu@example.com", SMALL)
    client = Client(enforce_csrf_checks=True)  # a mail client's POST carries no CSRF token
    url = f"/reminders/unsubscribe/{subscription.unsubscribe_token()}/"
    page = client.get(url)
    assert page.status_code == 200 and "确认退订" in page.content.decode()
    assert Subscription.objects.get().unsubscribed_at is None  # opening the link changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "已退订" in response.content.decode()
    assert Subscription.objects.get().unsubscribed_at is not None
    assert client.post(url).status_code == 200  # twice is fine
    assert run_round("2022-06-23", run_on_commit).queued == 0
    assert mail.outbox == []


def test_an_unsubscribe_page_opened_later_submits_itself(client: Client, catalogue) -> None:
    subscription = subscribe("caiwu@example.com", SMALL)
    token = subscription.unsubscribe_token()
    assert "data-autosubmit" not in client.get(f"/reminders/unsubscribe/{token}/").content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        html = client.get(f"/reminders/unsubscribe/{token}/").content.decode()
    assert "data-autosubmit" in html and "js/autosubmit.js" in html


def test_a_tampered_unsubscribe_link_gets_a_clear_chinese_message(client: Client, catalogue) -> None:
    subscription = subscribe("caiwu@example.com", SMALL)
    token = subscription.unsubscribe_token()
    response = client.post(f"/reminders/unsubscribe/{token[:-3]}xyz/")
    assert response.status_code == 400
    assert "链接无效或已被修改" in response.content.decode()
    assert Subscription.objects.get().unsubscribed_at is None


def test_unsubscribing_cancels_notices_already_queued(catalogue) -> None:
    subscription = subscribe("caiwu@example.com", SMALL)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(
            reminders._due_deadlines(datetime.date(2022, 6, 23)), datetime.date(2022, 6, 23)
        )
        subscription.unsubscribe()
        outcome = reminders.send_notices(list(ReminderNotice.objects.values_list("pk", flat=True)))
    assert outcome.sent == [] and mail.outbox == []
    assert ReminderNotice.objects.get().status == "skipped"


def test_subscribing_again_after_unsubscribing_asks_for_confirmation_again(catalogue, run_on_commit) -> None:
    subscription = subscribe("caiwu@example.com", SMALL)
    subscription.unsubscribe()
    with time_machine.travel(at("2022-06-01"), tick=False), run_on_commit():
        result = reminders.subscribe("caiwu@example.com", reminders.clean_profile(SMALL), consent_given=True)
    assert result.subscription.pk == subscription.pk and not result.created
    assert result.subscription.confirmed_at is None and result.subscription.unsubscribed_at is None
    assert [m.subject for m in mail.outbox] == ["【惠企政策通】请确认订阅政策截止日期提醒"]


# API ---------------------------------------------------------------------------------------------


def post_json(client: Client, body: object, raw: bytes | None = None):  # noqa: ANN201
    data = raw if raw is not None else json.dumps(body)
    return client.post("/api/v1/subscriptions", data=data, content_type="application/json")


def test_the_api_answers_202_generically_with_the_upcoming_reminders(
    client: Client, catalogue, run_on_commit
) -> None:
    with time_machine.travel(at("2022-06-20"), tick=False), run_on_commit():
        response = post_json(client, {"email": "caiwu@example.com", "profile": SMALL})
    assert response.status_code == 202
    data = response.json()
    assert "id" not in data and data["status"] == "received"
    assert [(r["measure"], r["deadline"], r["stage"], r["send_on"]) for r in data["upcoming_reminders"]] == [
        (12, "2022-06-30", 30, "2022-06-20"),
        (12, "2022-06-30", 7, "2022-06-23"),
        (12, "2022-06-30", 1, "2022-06-29"),
    ]
    assert len(mail.outbox) == 1 and "确认订阅" in mail.outbox[0].subject
    with time_machine.travel(at("2022-06-20") + datetime.timedelta(minutes=5), tick=False), run_on_commit():
        again = post_json(client, {"email": "caiwu@example.com", "profile": SMALL})
    assert again.status_code == 202 and again.json() == data
    assert Subscription.objects.count() == 1 and len(mail.outbox) == 1
    # Someone who lost the confirmation email gets a new one by subscribing again later.
    with time_machine.travel(at("2022-06-20", 11), tick=False), run_on_commit():
        assert post_json(client, {"email": "caiwu@example.com", "profile": SMALL}).status_code == 202
    assert Subscription.objects.count() == 1 and len(mail.outbox) == 2
    # Confirmed or not, the answer is the same: it tells nobody what the address subscribes to.
    Subscription.objects.update(confirmed_at=at("2022-06-20", 12))
    with time_machine.travel(at("2022-06-20", 13), tick=False), run_on_commit():
        assert post_json(client, {"email": "caiwu@example.com", "profile": SMALL}).json() == data


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "not-an-email", "profile": SMALL}, ["email"]),
        ({"email": 42, "profile": SMALL}, ["email"]),
        ({"profile": SMALL}, ["email"]),
        ({"email": "caiwu@example.com", "profile": {"employes": 8}}, ["profile.employes"]),
        ({"email": "caiwu@example.com", "profile": {"employees": "many"}}, ["profile.employees"]),
        ({"email": "caiwu@example.com", "profile": []}, ["profile"]),
        ({"email": "caiwu@example.com"}, ["profile"]),
        (
            {"email": "x", "profile": {"tax_credit_rating": "Z"}, "phone": "123"},
            ["phone", "email", "profile.tax_credit_rating"],
        ),
        ([1, 2], ["body"]),
    ],
)
def test_the_api_names_every_bad_field_with_422_and_sends_nothing(
    client: Client, catalogue, body, fields
) -> None:  # noqa: ANN001
    response = post_json(client, body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == fields
    assert all(e["message"] for e in errors)
    assert Subscription.objects.count() == 0 and mail.outbox == []


@pytest.mark.parametrize("raw", [b"{not json", b"", "\u4e2d".encode("gbk")])
def test_the_api_answers_400_to_a_body_that_is_not_json(client: Client, catalogue, raw: bytes) -> None:
    response = post_json(client, None, raw=raw)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_the_api_is_in_the_openapi_document(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/subscriptions"]["post"]
    assert set(operation["responses"]) >= {"202", "400", "415", "422"}
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "email",
        "profile",
    ]


# Officials and retention --------------------------------------------------------------------------


def test_officials_see_sent_and_failed_notices_read_only_without_email_addresses(
    client: Client, catalogue, superuser, run_on_commit
) -> None:
    subscribe("caiwu@example.com", SMALL)
    run_round("2022-06-23", run_on_commit)
    ReminderNotice.objects.create(
        stage=7,
        measure_number=12,
        measure_title="加大留抵退税政策落实力度",
        deadline_date=datetime.date(2022, 6, 30),
        status="failed",
        attempts=5,
        detail="SMTPRecipientsRefused",
    )
    client.force_login(superuser)
    page = client.get("/admin/enterprises/remindernotice/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "已发送" in html and "发送失败" in html and "SMTPRecipientsRefused" in html
    assert "caiwu@example.com" not in html
    assert client.get("/admin/enterprises/remindernotice/add/").status_code == 403
    subscriptions = client.get("/admin/enterprises/subscription/").content.decode()
    assert "c***@example.com" in subscriptions and "caiwu@example.com" not in subscriptions


def test_contact_data_is_deleted_months_after_the_subscription_ends(
    catalogue, run_on_commit, settings
) -> None:
    settings.REMINDER_RETENTION_DAYS = 180
    gone = subscribe("gone@example.com", SMALL)
    stays = subscribe("stays@example.com", MICRO)
    never = subscribe("never@example.com", SIZE_UNKNOWN, confirm=False)
    run_round("2022-06-23", run_on_commit)
    with time_machine.travel(at("2022-07-01"), tick=False):
        gone.unsubscribe()
    with time_machine.travel(at("2022-12-01"), tick=False):
        assert reminders.purge_expired() == 1  # the never-confirmed address (older than 7 + 180 days)
    assert not Subscription.objects.filter(pk=never.pk).exists()
    with time_machine.travel(at("2023-01-05"), tick=False):
        assert reminders.purge_expired() == 2  # 180 days after unsubscribing / after the last deadline
    assert Subscription.objects.count() == 0
    del stays
    notice = ReminderNotice.objects.get()
    assert notice.subscription is None and notice.status == "sent"  # anonymous figures remain


# One subscription cannot stop a round --------------------------------------------------------


def _store_raw(email: str, profile: dict) -> Subscription:
    """A confirmed subscription whose profile is stored as is, bypassing today's validation
    (profiles stored under an older contract, or edited in the database)."""
    from enterprises.reminders.models import profile_digest

    now = at("2022-04-01")
    return Subscription.objects.create(
        email=email,
        profile=profile,
        profile_digest=profile_digest(profile),
        consent_version="v",
        confirmed_at=now,
    )


@pytest.mark.parametrize(
    "bad_profile",
    [
        {**SMALL, "tech_retrofit_investment_wan": 1e300},  # a Decimal overflow in a formula
        {**SMALL, "employees": "many"},  # no longer valid under the contract
    ],
)
def test_a_stored_profile_that_no_longer_screens_is_skipped_and_the_round_goes_on(
    catalogue, run_on_commit, caplog, bad_profile
) -> None:
    subscribe("good@example.com", SMALL)
    _store_raw("bad@example.com", bad_profile)
    result = run_round("2022-06-23", run_on_commit)
    assert (result.created, result.sent, result.unscreenable) == (1, 1, 1)
    assert [m.to for m in reminder_mails()] == [["good@example.com"]]
    assert "could not be screened" in caplog.text or "no longer valid" in caplog.text


def test_a_rule_that_raises_for_one_profile_skips_that_subscription_alone(
    catalogue, run_on_commit, monkeypatch
) -> None:
    from enterprises.reminders import outcomes

    subscribe("good@example.com", SMALL)
    subscribe("bad@example.com", MICRO)
    original = outcomes.evaluate

    def raising(ruleset, profile, today):  # noqa: ANN001, ANN202
        if profile.get("employees") == MICRO["employees"]:
            raise ZeroDivisionError("a rule divides by zero")
        return original(ruleset, profile, today)

    monkeypatch.setattr(outcomes, "evaluate", raising)
    result = run_round("2022-06-23", run_on_commit)
    assert (result.sent, result.unscreenable) == (1, 1)
    assert [m.to for m in reminder_mails()] == [["good@example.com"]]


def test_a_notice_whose_profile_stops_screening_before_sending_is_skipped_not_retried(
    catalogue, monkeypatch
) -> None:
    from enterprises.reminders import outcomes

    subscribe("caiwu@example.com", SMALL)
    day = datetime.date(2022, 6, 23)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(reminders._due_deadlines(day), day)
        notice = ReminderNotice.objects.get()
        monkeypatch.setattr(outcomes, "evaluate", lambda *a: 1 / 0)
        reminders._screenings.clear()
        outcome = reminders.send_notices([notice.pk])
    notice.refresh_from_db()
    assert outcome.skipped == [notice.pk] and outcome.retry == []
    assert notice.status == "skipped" and "无法判断" in notice.detail
    assert reminder_mails() == []


# Every mail backend a user may configure -------------------------------------------------------


@pytest.mark.parametrize("backend", ["console", "filebased", "smtp", "locmem"])
def test_reminders_go_out_through_every_configurable_mail_backend(
    catalogue, run_on_commit, settings, tmp_path, capsys, backend
) -> None:
    from tests.smtp_sink import SmtpSink

    # Two subscribers with one profile: the second is the one a mail merge would fill in.
    subscribe("a@example.com", SMALL)
    subscribe("b@example.com", SMALL)
    settings.EMAIL_BACKEND = f"django.core.mail.backends.{backend}.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    with SmtpSink() as sink:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        result = run_round("2022-06-23", run_on_commit)
    assert list(ReminderNotice.objects.values_list("status", flat=True)) == ["sent", "sent"]
    assert result.sent == 2
    if backend == "console":
        written = capsys.readouterr().out
    elif backend == "filebased":
        written = "".join(p.read_text() for p in tmp_path.iterdir())
    elif backend == "smtp":
        written = "".join(m.as_string() for m in sink.handler.messages)
    else:
        written = "".join(m.message().as_string() for m in reminder_mails())
    for notice in ReminderNotice.objects.all():
        assert notice.message_id in written
    assert "List-Unsubscribe" in written


def test_every_reminder_setting_read_is_declared_once_in_the_settings_file() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    read = set()
    for path in [*root.glob("enterprises/**/*.py"), *root.glob("bench/*.py")]:
        read |= set(re.findall(r"""reminder_setting\(\s*["']([A-Z_]+)["']\s*\)""", path.read_text()))
    settings_text = (root / "portal" / "settings.py").read_text()
    assert len(read) >= 13
    for name in sorted(read):
        declared = re.findall(
            rf'^REMINDER_{name} = env\.\w+\("REMINDER_{name}", default=', settings_text, re.M
        )
        assert len(declared) == 1, name


# A mail-server outage loses nothing -----------------------------------------------------------


def _down(**kwargs):  # noqa: ANN003, ANN202
    raise ConnectionRefusedError(111, "Connection refused")


def test_a_mail_server_outage_is_retried_past_max_attempts_until_the_server_is_back(
    catalogue, monkeypatch, settings, caplog
) -> None:
    settings.REMINDER_MAX_ATTEMPTS = 3
    subscribe("caiwu@example.com", SMALL)
    day = datetime.date(2022, 6, 23)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(reminders._due_deadlines(day), day)
    notice = ReminderNotice.objects.get()
    monkeypatch.setattr("enterprises.reminders.planning.get_connection", _down)
    # Ten failed attempts over the day (well past REMINDER_MAX_ATTEMPTS): still waiting.
    for minute in range(0, 600, 60):
        with time_machine.travel(at("2022-06-23") + datetime.timedelta(minutes=minute), tick=False):
            assert reminders.send_notices([notice.pk]).retry == [notice.pk]
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("pending", 10)
    assert "Connection refused" in notice.detail
    assert "mail server failed" in caplog.text
    monkeypatch.undo()
    with time_machine.travel(at("2022-06-24"), tick=False):
        assert reminders.send_notices([notice.pk]).sent == [notice.pk]
        assert reminders.send_notices([notice.pk]).busy == [notice.pk]
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.detail) == ("sent", 11, "")
    assert len(reminder_mails()) == 1


def test_a_notice_the_outage_kept_from_its_deadline_ends_failed_with_its_last_error(
    catalogue, monkeypatch
) -> None:
    subscribe("caiwu@example.com", SMALL)
    day = datetime.date(2022, 6, 29)  # the 1-day stage of the 2022-06-30 deadline
    with time_machine.travel(at("2022-06-29"), tick=False):
        reminders._create_notices(reminders._due_deadlines(day), day)
        notice = ReminderNotice.objects.get()
        monkeypatch.setattr("enterprises.reminders.planning.get_connection", _down)
        reminders.send_notices([notice.pk])
    with time_machine.travel(at("2022-07-01"), tick=False):
        assert reminders.sweep() == 0  # nothing is re-queued once it is of no use
    notice.refresh_from_db()
    assert notice.status == "failed"
    assert "截止日期前未能发出" in notice.detail and "Connection refused" in notice.detail


def test_a_notice_waiting_for_its_retry_is_not_taken_for_lost_by_the_sweeper(
    catalogue, monkeypatch, run_on_commit
) -> None:
    subscribe("caiwu@example.com", SMALL)
    subscribe("other@example.com", SMALL)
    day = datetime.date(2022, 6, 23)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(reminders._due_deadlines(day), day)
    ids = sorted(ReminderNotice.objects.values_list("pk", flat=True))
    monkeypatch.setattr("enterprises.reminders.planning.get_connection", _down)
    queued = []
    from enterprises.reminders import tasks

    monkeypatch.setattr(tasks.send_notices, "delay", lambda ids, at=None: queued.append(ids))
    # Both fail (the second is handed back untried) and their task schedules a retry.
    with time_machine.travel(at("2022-06-23", 10), tick=False):
        assert reminders.send_notices(ids).retry == ids
    with (
        time_machine.travel(at("2022-06-23", 10) + datetime.timedelta(minutes=1), tick=False),
        run_on_commit(),
    ):
        assert reminders.sweep() == 0
    with (
        time_machine.travel(at("2022-06-23", 10) + datetime.timedelta(minutes=20), tick=False),
        run_on_commit(),
    ):
        assert reminders.sweep() == 2  # no retry came for 20 minutes: that task was lost
    assert queued == [ids]


def test_staff_see_the_mail_outage_in_the_admin(client: Client, catalogue, superuser, monkeypatch) -> None:
    subscribe("caiwu@example.com", SMALL)
    subscribe("other@example.com", SMALL)
    day = datetime.date(2022, 6, 23)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders._create_notices(reminders._due_deadlines(day), day)
    client.force_login(superuser)
    assert "邮件服务器暂时无法发送" not in client.get("/admin/enterprises/remindernotice/").content.decode()
    monkeypatch.setattr("enterprises.reminders.planning.get_connection", _down)
    with time_machine.travel(at("2022-06-23"), tick=False):
        reminders.send_notices(list(ReminderNotice.objects.values_list("pk", flat=True)))
    html = client.get("/admin/enterprises/remindernotice/").content.decode()
    # Both wait: the one that failed and the one its batch handed back untried.
    assert "邮件服务器暂时无法发送:2 封提醒正在等待自动重试" in html
    assert "2022-06-30" in html and "Connection refused" in html


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("timed out"), True),
        ("disconnected", True),
        ("451", True),
        ("550-recipient", False),
        ("554", False),
        (ValueError("a template bug"), False),
    ],
)
def test_what_counts_as_a_transient_mail_error(error, transient: bool) -> None:  # noqa: ANN001
    import smtplib

    made = {
        "disconnected": smtplib.SMTPServerDisconnected("gone"),
        "451": smtplib.SMTPDataError(451, b"try later"),
        "550-recipient": smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}),
        "554": smtplib.SMTPDataError(554, b"refused"),
    }
    assert reminders.is_transient(made.get(error, error) if isinstance(error, str) else error) is transient
