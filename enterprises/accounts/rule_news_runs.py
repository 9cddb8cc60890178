"""The rule-change re-screening of enterprise accounts, in chunks, with a progress row.

After rules are published, every opted-in account's latest receipt is screened again for all
measures and the account is emailed when a status changes (``services.notify_rule_changes``).
At a hundred thousand accounts that is minutes of one core's work, so it is split into chunks of
``CHUNK`` accounts, each a Celery task (``enterprises.tasks.rule_news_chunk``) that any worker
can take; a ``policies.RuleNewsRun`` row counts the accounts done and the notices sent, and the
admin shows it
where officials publish (and in its own list). Sending stays at most once per account and
rule version whatever the chunks do: each account's version is claimed before its email.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from policies import screening
from policies.models import RuleNewsRun

CHUNK = 10_000


def start(
    chunk: int = CHUNK, *, queue: bool = True, progress: Callable[[RuleNewsRun], None] | None = None
) -> RuleNewsRun:
    """Start a run for the rules in force: one chunk task per ``chunk`` candidate accounts.

    With ``queue`` the chunks go to the Celery workers (eagerly in-process when no broker is
    configured); without it they run here one after the other, ``progress`` called after each.
    """
    from enterprises.reminders import tasks

    from .services import rule_news_candidates

    _, version = screening.current_rules()
    ids = list(rule_news_candidates(version).order_by("pk").values_list("pk", flat=True))
    chunks = [ids[i : i + chunk] for i in range(0, len(ids), chunk)]
    run = RuleNewsRun.objects.create(
        rules_version=version,
        total=len(ids),
        chunks=len(chunks),
        finished_at=None if chunks else timezone.now(),
    )
    for part in chunks:
        if queue:
            tasks.rule_news_chunk.delay(run.pk, part)
        else:
            run_chunk(run.pk, part)
            if progress is not None:
                run.refresh_from_db()
                progress(run)
    run.refresh_from_db()
    return run


def run_chunk(run_id: int, account_ids: list[int]) -> int:
    """Screen and notify these accounts, then count them in the run (notices sent returned)."""
    from .services import notify_rule_changes

    sent = notify_rule_changes(account_ids)
    # Capped at the total: a chunk a worker redid after a crash is not counted twice.
    RuleNewsRun.objects.filter(pk=run_id).update(
        done=Least(F("done") + len(account_ids), F("total")),
        sent=F("sent") + sent,
        chunks_done=Least(F("chunks_done") + 1, F("chunks")),
    )
    RuleNewsRun.objects.filter(pk=run_id, chunks_done=F("chunks"), finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    return sent
