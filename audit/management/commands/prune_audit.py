"""Delete audit entries older than AUDIT_RETENTION_DAYS (at least 180 days are always kept)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audit.models import AuditEntry, retention_days


class Command(BaseCommand):
    help = "删除超过保留期限(AUDIT_RETENTION_DAYS,不少于180天)的审计记录。"

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = AuditEntry.objects.prune()
        if options["verbosity"]:
            self.stdout.write(f"Deleted {deleted} audit entries older than {retention_days()} days.")
