"""Run one round of deadline reminders: `python manage.py send_reminders [--now ISO-DATETIME]`."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from enterprises.reminders.planning import run_round


def parse_moment(value: str) -> datetime.datetime:
    """Accept 2022-06-23T09:00, 2022-06-23T09:00+08:00 or 2022-06-23 (09:00 local time)."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = datetime.datetime.combine(day, datetime.time(9, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # in TIME_ZONE (Asia/Shanghai)
    return moment


class Command(BaseCommand):
    help = "Create the reminder notices due now (or at --now) and queue them for sending; print the figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="run the round as of this moment, ISO 8601, e.g. 2022-06-23T09:00+08:00 (default: now)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        at = None
        if options["now"]:
            try:
                at = parse_moment(options["now"])
            except ValueError:
                raise CommandError(
                    f"--now 应为ISO 8601日期时间,例如 2022-06-23T09:00+08:00,收到:{options['now']}"
                ) from None
        result = run_round(at)
        self.stdout.write(
            f"queued {result.queued} notices ({result.created} new), sent {result.sent}, "
            f"re-queued {result.requeued} stale"
        )
        if result.unscreenable:
            self.stderr.write(
                f"skipped {result.unscreenable} subscription(s) whose stored profile could not be screened (see the log)"
            )
