"""Import a policy document (.txt, .docx, .pdf): show its measures, or save them as drafts."""

from __future__ import annotations

import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from policies.document_import import import_pasted, import_path, save_import
from policies.importer import ImportResult
from policies.importer.formats import UnsupportedFormat
from policies.models import Category


class Command(BaseCommand):
    help = "Import a policy document (.txt, .docx or .pdf) as draft measures; --dry-run only shows them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the document: .txt, .docx or .pdf; - reads pasted text from stdin")
        parser.add_argument(
            "--dry-run", action="store_true", help="save nothing, only show what would be imported"
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--category",
            help="slug of the category the draft measures start in (required to save; officials re-file them)",
        )

    def handle(
        self, *args: object, path: str, dry_run: bool, json: bool, category: str | None, **options: object
    ) -> None:
        try:
            result = import_pasted(sys.stdin.read()) if path == "-" else import_path(path)
        except (OSError, UnsupportedFormat) as error:
            raise CommandError(str(error)) from error
        if json:
            self.stdout.write(_dumps(result.as_dict()))
        else:
            self.write_summary(result)
        if dry_run:
            return
        if not category:
            raise CommandError("保存需要 --category(草稿条款的初始类别);只预览请加 --dry-run。")
        try:
            target = Category.objects.get(slug=category)
        except Category.DoesNotExist as error:
            raise CommandError(f"没有英文标识为“{category}”的类别。") from error
        try:
            saved = save_import(result, target)
        except ValidationError as error:
            raise CommandError("未保存任何内容:" + " ".join(error.messages)) from error
        message = f"已保存“{saved.document}”及 {len(saved.drafts)} 条草稿条款"
        if saved.new_units:
            message += f",新增责任单位:{'、'.join(u.name for u in saved.new_units)}"
        # With --json stdout is the JSON document alone; the confirmation goes to stderr.
        (self.stderr if json else self.stdout).write(message + "。")

    def write_summary(self, result: ImportResult) -> None:
        document = result.document
        self.stdout.write(f"{document.number} {document.title}({document.issuer},{document.issued_on})")
        for measure in result.measures:
            self.stdout.write(
                f"{measure.number:>3} {measure.label} {measure.title}  [{'、'.join(measure.units)}]"
            )
        for warning in result.warnings:
            self.stdout.write(f"! {warning.message}")


def _dumps(data: dict) -> str:
    # The option named --json shadows the module inside handle(); encode here.
    return json.dumps(data, ensure_ascii=False, indent=1)
