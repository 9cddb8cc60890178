"""Delete reminder contact data past its retention period: `python manage.py purge_subscriptions`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from enterprises.reminders.planning import purge_expired


class Command(BaseCommand):
    help = "Delete subscriptions (email and profile) that ended more than REMINDER_RETENTION_DAYS ago."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"deleted {purge_expired()} subscriptions past retention")
