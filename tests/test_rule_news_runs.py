"""The rule-change re-screening of enterprise accounts in chunks (enterprises/accounts/rule_news_runs.py), with
the progress the admin and the notify_rule_changes command show. Celery runs eagerly in tests,
so each queued chunk runs as it is queued, as a worker would run it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from enterprises.accounts import rule_news_runs
from enterprises.accounts import services as accounts
from enterprises.selfcheck.receipts import save_receipt
from policies import screening
from policies.models import Measure, RuleNewsRun
from tests.test_enterprise_accounts import (
    VALID_CODES,
    example_profile,
    fast_password_hashing,  # noqa: F401  (autouse fixture)
    make_account,
    set_small_low_profit_ceiling,
)

pytestmark = pytest.mark.django_db


def opted_in(n: int) -> list:
    out = []
    for i in range(n):
        account = make_account(f"caiwu{i}@firm{i}.example.com", VALID_CODES[i])
        accounts.keep_receipt(account, save_receipt(example_profile()))
        account.rule_news_email = True
        account.save(update_fields=["rule_news_email"])
        out.append(account)
    return out


def test_the_accounts_are_rescreened_in_queued_chunks_that_count_their_progress(catalogue, mailoutbox):
    opted_in(3)
    set_small_low_profit_ceiling(100)  # every account loses measure 7
    run = rule_news_runs.start(chunk=2)
    assert (run.total, run.chunks, run.chunks_done, run.done, run.sent) == (3, 2, 2, 3, 3)
    assert run.finished_at is not None and run.percent == 100
    assert sorted(m.to[0] for m in mailoutbox) == sorted(f"caiwu{i}@firm{i}.example.com" for i in range(3))
    assert "已复核3/3个企业账户(100%),已发送3封通知,已完成" in run.progress_text()

    again = rule_news_runs.start(chunk=2)  # every account was told about this version
    assert (again.total, again.chunks, again.sent) == (0, 0, 0) and again.finished_at is not None
    assert len(mailoutbox) == 3


def test_a_chunk_run_twice_is_counted_and_sent_once(catalogue, mailoutbox):
    people = opted_in(2)
    set_small_low_profit_ceiling(100)
    run = RuleNewsRun.objects.create(rules_version=screening.current_rules()[1], total=2, chunks=1)
    ids = [a.pk for a in people]
    assert rule_news_runs.run_chunk(run.pk, ids) == 2
    assert rule_news_runs.run_chunk(run.pk, ids) == 0  # a worker redoing the chunk after a crash
    run.refresh_from_db()
    assert (run.done, run.sent, run.chunks_done) == (2, 2, 1) and run.finished_at is not None
    assert len(mailoutbox) == 2


def test_the_command_prints_the_progress_after_each_chunk(catalogue, mailoutbox):
    opted_in(3)
    set_small_low_profit_ceiling(100)
    out = StringIO()
    call_command("notify_rule_changes", "--chunk", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "chunk 1/2: 2/3 accounts, 2 sent",
        "chunk 2/2: 3/3 accounts, 3 sent",
        "sent 3 rule-change notice(s)",
    ]


def test_the_publish_page_and_the_admin_list_show_the_latest_runs_progress(client, superuser, catalogue):
    client.force_login(superuser)
    draft = Measure.objects.get(number=11, is_draft=False).start_draft()
    html = client.get(f"/admin/policies/measure/{draft.pk}/publish/").content.decode()
    assert 'id="rule-news-progress"' in html and "尚未进行过复核" in html

    RuleNewsRun.objects.create(
        rules_version="v2", total=40_000, done=10_000, sent=12, chunks=4, chunks_done=1
    )
    html = client.get(f"/admin/policies/measure/{draft.pk}/publish/").content.decode()
    assert "已复核10,000/40,000个企业账户(25%),已发送12封通知,进行中" in html
    listing = client.get("/admin/policies/rulenewsrun/").content.decode()
    assert "10,000/40,000(25%)" in listing
    assert client.get("/admin/policies/rulenewsrun/add/").status_code == 403
