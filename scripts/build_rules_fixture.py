#!/usr/bin/env python3
"""Build fixtures/rules.json (Django fixture) from fixtures/rules_source.json (the rule data).

Run from the repository root (no Django needed):

    python3 scripts/build_rules_fixture.py [--check]

rules_source.json is the reviewed rule data in the engine's own shape: every checkable
measure's condition, estimate formula, notes and quoted source sentence, the dated parameters and
the dated size tables. This script turns it into rows of policies.EligibilityRule (one per
measure with a condition; the measure's primary key is its number, as in catalogue.json),
policies.Parameter, policies.SizeStandard and policies.SizeRow. Titles, validity, units and
deadlines are the catalogue's and are not copied. The output is deterministic; `--check` fails
if the committed fixture is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_output import write_or_check  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "fixtures" / "rules_source.json"
OUTPUT = ROOT / "fixtures" / "rules.json"
PLAN = "晋政办发〔2022〕34号"


def build(data: dict) -> list[dict]:
    objects: list[dict] = []
    for pk, p in enumerate(data["parameters"], start=1):
        objects.append(
            {
                "model": "policies.parameter",
                "pk": pk,
                "fields": {
                    "key": p["key"],
                    "label": p["label"],
                    "value": str(p["value"]),
                    "unit": p["unit"],
                    "valid_from": p["valid_from"],
                    "valid_until": p["valid_until"],
                    "measure_number": p["measure"],
                    "source": "" if p["source"] == PLAN else p["source"],
                    "quote": p["quote"],
                },
            }
        )
    row_pk = 0
    for pk, s in enumerate(data["size_standards"], start=1):
        objects.append(
            {
                "model": "policies.sizestandard",
                "pk": pk,
                "fields": {
                    "key": s["key"],
                    "name": s["name"],
                    "kind": s["kind"],
                    "tiers": ",".join(s.get("tiers") or []),
                    "fallback": s.get("fallback") or "",
                    "combine": s.get("combine") or "all",
                    "valid_from": s["valid_from"],
                    "valid_until": s["valid_until"],
                    "source": s["source"],
                },
            }
        )
        for order, row in enumerate(s["rows"]):
            row_pk += 1
            objects.append(
                {
                    "model": "policies.sizerow",
                    "pk": row_pk,
                    "fields": {
                        "standard": pk,
                        "name": row["name"],
                        "codes": ",".join(row["codes"]),
                        "tier": row["tier"],
                        "limits": row["limits"],
                        "order": order,
                    },
                }
            )
    for m in data["measures"]:
        if m["condition"] is None:
            continue
        objects.append(
            {
                "model": "policies.eligibilityrule",
                "pk": m["number"],
                "fields": {
                    "measure": m["number"],
                    "condition": m["condition"],
                    "estimate": m["estimate"],
                    "notes": m["notes"],
                    "citation": m["citation"],
                },
            }
        )
    return objects


def render(objects: list[dict]) -> str:
    return json.dumps(objects, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if fixtures/rules.json is not up to date")
    args = parser.parse_args(argv)
    text = render(build(json.loads(SOURCE.read_text(encoding="utf-8"))))
    return write_or_check(OUTPUT, text, "build_rules_fixture.py", args.check)


if __name__ == "__main__":
    sys.exit(main())
