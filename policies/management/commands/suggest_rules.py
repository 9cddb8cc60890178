"""Print the rule suggestions the measures' own texts give (thresholds on profile fields, figures)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from policies.models import Measure
from policies.suggest import Suggestions, suggest


def measure_suggestions(measure: Measure) -> Suggestions:
    """Suggestions for one measure; a date without a year (6月底前) is in the plan's year."""
    return suggest(measure.text, default_year=measure.document.issued_on.year)


class Command(BaseCommand):
    help = (
        "从条款原文中提取资格条件和数值建议(门槛、比例、上限、日期),每条附原文引用;"
        "--json 输出 JSON 数组:[{measure, conditions: [{field, op, value, quote}], figures: [{value, unit, kind, quote}]}]。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--measure", type=int, metavar="N", help="只看第N条,例如 --measure 1")
        parser.add_argument("--json", action="store_true", help="输出 JSON(供脚本和审阅使用)")

    def handle(self, *args: object, measure: int | None, json: bool, **options: object) -> None:
        measures = Measure.objects.published().select_related("document").order_by("document_id", "number")
        if measure is not None:
            measures = measures.numbered(measure)  # the seed plan's 第N条
            if not measures:
                raise CommandError(f"没有已发布的第{measure}条")
        rows = [{"measure": m.number, **measure_suggestions(m).to_json()} for m in measures]
        if json:
            self.stdout.write(_json_dumps(rows, indent=2))
            return
        for row in rows:
            self.stdout.write(f"第{row['measure']}条")
            if not row["conditions"] and not row["figures"]:
                self.stdout.write("  (原文未写明门槛或数值)")
            for c in row["conditions"]:
                self.stdout.write(
                    f"  条件  {c['field']} {c['op']} {_json_dumps(c['value'])}    “{c['quote']}”"
                )
            for f in row["figures"]:
                self.stdout.write(
                    f"  数值  {_json_dumps(f['value'])} {f['unit']} ({f['kind']})    “{f['quote']}”"
                )


def _json_dumps(value: object, indent: int | None = None) -> str:
    # The option is called --json, which shadows the module inside handle(); keep the call here.
    return json.dumps(value, ensure_ascii=False, indent=indent)
