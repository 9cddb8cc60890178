"""Celery tasks of the reminders (and the accounts' rule news): thin interfaces that take ids and call
the reminder code.

Each task keeps the name it had when this module was ``enterprises/tasks.py`` (``name=``), so tasks
already queued under that name, and the beat schedule in settings, still find it.

Every task is idempotent: the ledger (`ReminderNotice`) decides what is sent, so a task that is
delivered twice (acks_late after a crash, a sweeper re-queue, a retry) sends nothing twice.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from celery.app.task import Task
from django.utils.dateparse import parse_datetime

from enterprises.reminders import planning
from enterprises.reminders.models import reminder_setting

logger = logging.getLogger(__name__)


def backoff(retries: int) -> int:
    """Seconds before retry number `retries` + 1: exponential, capped below the broker's
    visibility timeout so a waiting retry is never redelivered as if its worker had died."""
    base = reminder_setting("RETRY_BASE_SECONDS")
    return int(min(base * 2**retries, reminder_setting("RETRY_MAX_SECONDS")))


@shared_task(
    name="enterprises.tasks.send_notices",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def send_notices(self: Task, notice_ids: list[int], at: str | None = None) -> dict[str, int]:
    """Send these reminder notices (each at most once); retry the ones whose mail failed.

    `at` is the moment the round was run for (ISO 8601), so a round run with
    `send_reminders --now` is checked against the same day when it is sent; None means now.
    """
    moment = parse_datetime(at) if at else None
    outcome = planning.send_notices(planning.as_ids(notice_ids), at=moment)
    if outcome.retry:
        # Only the failed ids travel on; the ledger's attempt counter ends a hopeless notice.
        raise self.retry(args=[outcome.retry, at], countdown=backoff(self.request.retries))
    return {
        "sent": len(outcome.sent),
        "skipped": len(outcome.skipped),
        "failed": len(outcome.failed),
        "busy": len(outcome.busy),
    }


@shared_task(
    name="enterprises.tasks.send_confirmation",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=240,
)
def send_confirmation(self: Task, subscription_id: int) -> bool:
    """Send the double opt-in email of a subscription (nothing if it is already confirmed)."""
    return planning.send_confirmation(subscription_id)


@shared_task(acks_late=True, name="enterprises.tasks.run_reminder_round")
def run_reminder_round(at: str | None = None) -> dict[str, int]:
    """One round: create the notices due now and queue them (Celery beat runs this)."""
    moment: datetime.datetime | None = parse_datetime(at) if at else None
    result = planning.run_round(moment)
    logger.info("reminder round: %s", result)
    return {"created": result.created, "queued": result.queued, "requeued": result.requeued}


@shared_task(acks_late=True, name="enterprises.tasks.sweep_reminder_notices")
def sweep_reminder_notices() -> int:
    """Re-queue notices whose task was lost or whose worker died holding them."""
    return planning.sweep()


@shared_task(acks_late=True, name="enterprises.tasks.purge_ended_subscriptions")
def purge_ended_subscriptions() -> int:
    """Delete contact data kept longer than the retention period after a subscription ended."""
    return planning.purge_expired()


@shared_task(acks_late=True, name="enterprises.tasks.notify_account_rule_changes")
def notify_account_rule_changes() -> int:
    """Tell enterprise accounts which measures they gain or lose under newly published rules."""
    from enterprises.accounts.services import notify_rule_changes

    return notify_rule_changes()


@shared_task(acks_late=True, name="enterprises.tasks.start_rule_news")
def start_rule_news() -> int:
    """Re-screen the enterprise accounts for rule-change notices, one task per chunk (run id)."""
    from enterprises.accounts.rule_news_runs import start

    return start().pk


@shared_task(acks_late=True, name="enterprises.tasks.rule_news_chunk")
def rule_news_chunk(run_id: int, account_ids: list[int]) -> int:
    """One chunk of a rule-change re-screening: notices sent."""
    from enterprises.accounts.rule_news_runs import run_chunk

    return run_chunk(run_id, account_ids)
