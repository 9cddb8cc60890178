"""Load the catalogue fixtures (measures, units, industries, rules, search data) once."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from policies.models import Measure

# Load order matters: rules and search data refer to measures.
FIXTURE_ORDER = ["catalogue.json", "industries.json", "rules.json", "search.json", "golden_cases.json"]


def fixture_paths() -> list[str]:
    base = Path(settings.BASE_DIR) / "fixtures"
    return [str(base / name) for name in FIXTURE_ORDER if (base / name).exists()]


class Command(BaseCommand):
    help = "Load the 70 measures and reference data from fixtures/ (skipped if already loaded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Reload even if measures exist (overwrites officials' edits).",
        )

    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        if Measure.objects.exists() and not force:
            self.stdout.write("Catalogue already loaded; use --force to reload it from fixtures/.")
            return
        paths = fixture_paths()
        call_command("loaddata", *paths, verbosity=0)
        # loaddata bypasses history; record the loaded state as each row's first version so
        # officials can always go back to the text as published from the source.
        call_command(
            "populate_history",
            "policies.Measure",
            "policies.MeasureUnit",
            "policies.Deadline",
            "policies.EligibilityRule",
            "policies.Parameter",
            "policies.SizeStandard",
            "policies.SizeRow",
            verbosity=0,
        )
        count = Measure.objects.published().count()
        self.stdout.write(
            self.style.SUCCESS(f"Loaded {len(paths)} fixture files: {count} published measures.")
        )
