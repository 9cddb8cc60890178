#!/usr/bin/env python3
"""Build fixtures/golden_cases.json from the eligibility examples in reference/examples/eligibility/
(the project's copy of ../shared/examples/eligibility/, see reference/README.md).

Run from the repository root (no Django needed):

    python3 scripts/build_golden_cases.py [--examples DIR] [--output PATH] [--check]

Each example (``{"name", "profile", "expect": {"size_class_300", "measures"}}``) becomes one
GoldenCase row; officials may add more in the admin. ``--check`` exits 1 when the fixture is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXAMPLES = ROOT / "reference" / "examples" / "eligibility"
DEFAULT_OUTPUT = ROOT / "fixtures" / "golden_cases.json"

# A short Chinese name per known example, shown to officials in the admin, the rule builder and the
# impact preview (the examples' own names are English slugs). An example with a "description"
# of its own uses that; one with neither is refused, so no case reaches officials as a slug.
DESCRIPTIONS = {
    "chain-leader-50yi": "营业收入55亿元的制造业“链主”企业",
    "first-batch-capped": "投保首批次保险、保费超过补贴上限的中型制造企业",
    "individual-business-restaurant": "餐饮个体工商户",
    "large-construction-after-june": "大型建筑企业,6月1日以后申请稳岗返还",
    "large-construction-before-june": "大型建筑企业,6月1日以前申请稳岗返还",
    "loss-making": "亏损的小型制造企业,纳税信用C级",
    "manufacturing-small-many-benefits": "小型制造企业,可享受多项政策",
    "micro-whatever-revenue": "只填了行业和人数的微型制造企业",
    "partial-answers": "只知道门类和人数的制造企业",
    "retail-small-but-refund-medium": "小型零售企业,按留抵退税口径为中型",
    "small-low-profit-limit": "应纳税所得额、从业人数、资产总额都恰在小型微利企业上限的临界案例",
    "software-tech-sme": "软件业科技型中小企业",
    "before-the-plan": "方案实施前(2021年6月)的小型制造企业",
    "entity-unknown-both-branches": "未说明是企业还是个体工商户的小型服装企业",
    "retail-refund-after-july": "中型零售企业,7月以后申请留抵退税",
}


def build(examples: Path) -> list[dict]:
    rows = []
    for pk, path in enumerate(sorted(examples.glob("*.json")), start=1):
        data = json.loads(path.read_text(encoding="utf-8"))
        expect = data["expect"]
        description = data.get("description") or DESCRIPTIONS.get(data["name"])
        if not description:
            raise SystemExit(
                f"{path.name}: no Chinese name; add one to DESCRIPTIONS in {Path(__file__).name}"
            )
        rows.append(
            {
                "model": "policies.goldencase",
                "pk": pk,
                "fields": {
                    "name": data["name"],
                    "description": description,
                    "profile": data["profile"],
                    "expected": expect["measures"],
                    "expected_size_class_300": expect.get("size_class_300") or "",
                },
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=Path, default=DEFAULT_EXAMPLES)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the output differs")
    args = parser.parse_args()
    text = json.dumps(build(args.examples), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; run scripts/build_golden_cases.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
