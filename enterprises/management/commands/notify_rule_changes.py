"""Email enterprise accounts whose latest result the published rules now change (once per rule version)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from enterprises.accounts.rule_news_runs import CHUNK, start


class Command(BaseCommand):
    help = "向结果因政策规则变化而改变的企业账户发送邮件通知(每个规则版本只发一次),分批复核并显示进度。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=CHUNK, help=f"accounts per chunk (default {CHUNK})")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="queue the chunks to the Celery workers instead of running them here",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chunk = max(1, options["chunk"])

        def progress(run: Any) -> None:
            self.stdout.write(
                f"chunk {run.chunks_done}/{run.chunks}: {run.done:,}/{run.total:,} accounts, {run.sent:,} sent"
            )

        run = start(chunk, queue=options["queue"], progress=progress)
        if options["queue"] and not run.finished_at:
            self.stdout.write(
                f"run {run.pk}: {run.chunks} chunk(s) of {run.total:,} accounts queued; progress in the admin"
            )
        else:
            self.stdout.write(f"sent {run.sent} rule-change notice(s)")
