#!/usr/bin/env python3
"""How well the text suggestions (policies/suggest.py) find what the measures' texts state.

    .venv/bin/python bench/suggest_eval.py [--json] [--misses]

Scores the suggestions for every measure text in fixtures/catalogue.json against the hand-made
answer key tests/data/suggest_key.json. Checkable measures are those with a rule in
fixtures/rules.json; the rest are informational (government work items).

* recall: key entries found with the right field and value (conditions) or value and unit
  (figures); each suggestion can match one key entry only;
* op agreement: of the matched conditions, how many also have the key's operator;
* precision: of the suggestions on checkable measures, how many match a key entry;
* informational measures: how many condition (and figure) rows they get — they should get few.

No Django, no database: it reads the fixtures directly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policies.suggest import suggest  # noqa: E402

KEY = ROOT / "tests" / "data" / "suggest_key.json"
HELDOUT = ROOT / "tests" / "data" / "suggest_heldout.json"


def load_measures() -> tuple[dict[int, str], set[int], int]:
    """Measure texts by number, the checkable numbers, and the plan's year."""
    catalogue = json.loads((ROOT / "fixtures" / "catalogue.json").read_text(encoding="utf-8"))
    rules = json.loads((ROOT / "fixtures" / "rules.json").read_text(encoding="utf-8"))
    texts = {
        o["fields"]["number"]: o["fields"]["text"] for o in catalogue if o["model"] == "policies.measure"
    }
    issued = next(o["fields"]["issued_on"] for o in catalogue if o["model"] == "policies.policydocument")
    checkable = {o["fields"]["measure"] for o in rules if o["model"] == "policies.eligibilityrule"}
    return texts, checkable, int(issued[:4])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(sorted(a), sorted(b), strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def _match(
    key: list[dict], got: list[dict], keys: tuple[str, ...]
) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """Pair key entries with suggestions agreeing on `keys`; return pairs, missed, unmatched."""
    free = list(got)
    pairs, missed = [], []
    for entry in key:
        hit = next((g for g in free if all(_same(entry[k], g[k]) for k in keys)), None)
        if hit is None:
            missed.append(entry)
        else:
            free.remove(hit)
            pairs.append((entry, hit))
    return pairs, missed, free


def _tally() -> dict[str, Any]:
    return {
        "conditions": {"key": 0, "found": 0, "op_agrees": 0, "suggested": 0},
        "figures": {"key": 0, "found": 0, "suggested": 0},
        "missed": [],
        "extra": [],
    }


def _score(out: dict[str, Any], where: object, entry: dict, got: dict) -> None:
    """Add one text's key entry and suggestions to the tally."""
    for part, keys in (("conditions", ("field", "value")), ("figures", ("value", "unit"))):
        pairs, missed, extra = _match(entry[part], got[part], keys)
        tally = out[part]
        tally["key"] += len(entry[part])
        tally["found"] += len(pairs)
        tally["suggested"] += len(got[part])
        if part == "conditions":
            tally["op_agrees"] += sum(1 for k, g in pairs if k["op"] == g["op"])
        out["missed"] += [{"where": where, "part": part, **m} for m in missed]
        out["extra"] += [{"where": where, "part": part, **x} for x in extra]


def _rates(out: dict[str, Any]) -> None:
    c, f = out["conditions"], out["figures"]
    found = c["found"] + f["found"]
    out["recall"] = found / max(1, c["key"] + f["key"])
    # Every found key entry is matched to one distinct suggestion, so found also counts the
    # suggestions that were right.
    out["precision"] = found / max(1, c["suggested"] + f["suggested"])


def evaluate() -> dict[str, Any]:
    """Score the plan's checkable measures, its informational ones, and the held-out sentences."""
    texts, checkable, year = load_measures()
    key = json.loads(KEY.read_text(encoding="utf-8"))["measures"]
    if {int(n) for n in key} != checkable:
        raise SystemExit(
            f"the key covers measures {sorted(map(int, key))}, the rules fixture {sorted(checkable)}"
        )
    out: dict[str, Any] = {
        **_tally(),
        "checkable_measures": len(checkable),
        "bad_quotes": [],
        "informational": {"measures": 0, "conditions": 0, "figures": 0, "condition_rows": []},
    }
    for number, text in sorted(texts.items()):
        got = suggest(text, default_year=year).to_json()
        out["bad_quotes"] += [
            {"where": number, **row} for row in got["conditions"] + got["figures"] if row["quote"] not in text
        ]
        if number in checkable:
            _score(out, number, key[str(number)], got)
            continue
        info = out["informational"]
        info["measures"] += 1
        info["conditions"] += len(got["conditions"])
        info["figures"] += len(got["figures"])
        info["condition_rows"] += [{"where": number, **c} for c in got["conditions"]]
    _rates(out)
    heldout = _tally()
    for i, entry in enumerate(json.loads(HELDOUT.read_text(encoding="utf-8"))["texts"], start=1):
        got = suggest(entry["text"], default_year=year).to_json()
        out["bad_quotes"] += [
            {"where": f"held-out {i}", **row}
            for row in got["conditions"] + got["figures"]
            if row["quote"] not in entry["text"]
        ]
        _score(heldout, f"held-out {i}", entry, got)
    _rates(heldout)
    out["heldout"] = heldout
    return out


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} = {100 * a / b:.1f}%" if b else "0/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--misses", action="store_true", help="also list missed key entries and unmatched suggestions"
    )
    args = parser.parse_args()
    r = evaluate()
    if args.json:
        print(json.dumps(r, ensure_ascii=False, indent=2))
        return
    info = r["informational"]
    print(f"plan: {r['checkable_measures']} checkable measures, {info['measures']} informational")
    _print_scores(r, args.misses)
    print(f"  informational measures: {info['conditions']} condition rows, {info['figures']} figure rows")
    if args.misses:
        for x in info["condition_rows"]:
            print("  informational condition:", json.dumps(x, ensure_ascii=False))
    print(
        f"held-out: {len(json.loads(HELDOUT.read_text(encoding='utf-8'))['texts'])} sentences from reference/domain/"
    )
    _print_scores(r["heldout"], args.misses)
    print(f"quotes not found verbatim in their text: {len(r['bad_quotes'])}")


def _print_scores(r: dict[str, Any], misses: bool) -> None:
    c, f = r["conditions"], r["figures"]
    print(
        f"  recall, conditions (field and value): {_pct(c['found'], c['key'])}; op agrees: {_pct(c['op_agrees'], c['found'])}"
    )
    print(f"  recall, figures (value and unit):     {_pct(f['found'], f['key'])}")
    print(f"  recall, all:                          {_pct(c['found'] + f['found'], c['key'] + f['key'])}")
    print(f"  precision, conditions:                {_pct(c['found'], c['suggested'])}")
    print(f"  precision, figures:                   {_pct(f['found'], f['suggested'])}")
    print(
        f"  precision, all:                       {_pct(c['found'] + f['found'], c['suggested'] + f['suggested'])}"
    )
    if misses:
        for m in r["missed"]:
            print("  missed:", json.dumps(m, ensure_ascii=False))
        for x in r["extra"]:
            print("  unmatched suggestion:", json.dumps(x, ensure_ascii=False))


if __name__ == "__main__":
    main()
