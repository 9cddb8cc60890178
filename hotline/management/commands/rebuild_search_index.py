"""Re-segment every measure into the search index (after bulk SQL edits or a jieba upgrade)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from hotline import search
from hotline.search.index import vacuum_entries


class Command(BaseCommand):
    help = "Rebuild the hotline search index; --stale re-indexes only entries cut with an older dictionary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale", action="store_true", help="Only missing entries and older dictionaries."
        )

    def handle(self, *args: object, stale: bool, **options: object) -> None:
        started = time.perf_counter()
        count = search.reindex(stale_only=stale)
        # Entries of deleted measures linger in the GIN index until a vacuum (PostgreSQL).
        vacuum_entries()
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {count} measures in {time.perf_counter() - started:.1f} s.")
        )
