"""Search scope benchmark: out-of-scope questions get no result, in-scope ones keep their measure.

    .venv/bin/python bench/search_scope.py                      # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/search_scope.py

It creates a throw-away test database (Django's test runner: `test_<name>`), loads the catalogue
into it, and prints, through `GET /api/v1/search`:

- the share of out-of-scope questions (reference/examples/hotline-out-of-scope.txt and
  tests/data/hotline-out-of-scope.txt) answered with `"results": []`; target >= 90%;
- how many rows of reference/examples/hotline-queries.tsv have an expected measure in the top 3
  of `results`; target: all;
- the mean reciprocal rank of the first expected measure in `results` over the colloquial
  questions of tests/data/hotline-colloquial.tsv (0 when none is listed); target >= 0.90.

Every miss is listed. Exit status 1 if a target is missed. Options: --verbose prints every answer;
--set MIN_MEASURE_COVERAGE=0.4 (repeatable) tries another threshold of `hotline.search.scope`.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("RATE_LIMIT_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import get_runner  # noqa: E402

OUT_OF_SCOPE = [
    ROOT / "reference/examples/hotline-out-of-scope.txt",
    ROOT / "tests/data/hotline-out-of-scope.txt",
]
SHARED = ROOT / "reference/examples/hotline-queries.tsv"
COLLOQUIAL = ROOT / "tests/data/hotline-colloquial.tsv"
TARGET_NO_RESULT, TARGET_MRR = 0.90, 0.90


def read_lines(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_tsv(path: Path) -> list[tuple[str, set[int]]]:
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [(r["query"], {int(n) for n in r["measures"].split(",")}) for r in rows]


def ask(client: Client, q: str) -> tuple[list[int], list[int]]:
    response = client.get("/api/v1/search", {"q": q, "limit": 10})
    assert response.status_code == 200, (q, response.content[:200])
    body = response.json()
    return [r["measure"] for r in body["results"]], [r["measure"] for r in body.get("related", [])]


def reciprocal_rank(results: list[int], expected: set[int]) -> float:
    return next((1 / (i + 1) for i, n in enumerate(results) if n in expected), 0.0)


def measure(verbose: bool) -> bool:
    client = Client()
    out_of_scope = [q for path in OUT_OF_SCOPE for q in read_lines(path)]
    answered_empty, misses = 0, []
    for q in out_of_scope:
        results, related = ask(client, q)
        answered_empty += not results
        if results:
            misses.append(f"  OUT-OF-SCOPE ANSWERED {q}: results {results}")
        elif verbose:
            print(f"  ok (none) {q}: related {related}")
    shared = read_tsv(SHARED)
    top3 = 0
    for q, expected in shared:
        results, related = ask(client, q)
        hit = bool(set(results[:3]) & expected)
        top3 += hit
        if not hit:
            misses.append(
                f"  TOP-3 MISS {q}: expected {sorted(expected)}, results {results}, related {related}"
            )
    colloquial = read_tsv(COLLOQUIAL)
    ranks = []
    for q, expected in colloquial:
        results, related = ask(client, q)
        ranks.append(reciprocal_rank(results, expected))
        if ranks[-1] < 1:
            misses.append(
                f"  rank {ranks[-1]:.2f} {q}: expected {sorted(expected)}, results {results}, related {related}"
            )
    no_result_rate = answered_empty / len(out_of_scope)
    mrr = sum(ranks) / len(ranks)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"out-of-scope questions with no result: {answered_empty}/{len(out_of_scope)} = {no_result_rate:.1%}"
    )
    print(f"hotline-queries.tsv rows with an expected measure in the top 3: {top3}/{len(shared)}")
    print(f"MRR over {len(colloquial)} colloquial questions: {mrr:.3f}")
    for line in misses:
        print(line)
    ok = no_result_rate >= TARGET_NO_RESULT and top3 == len(shared) and mrr >= TARGET_MRR
    print(
        f"targets (>= {TARGET_NO_RESULT:.0%} none, all top 3, MRR >= {TARGET_MRR}): {'met' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a settings.SEARCH_SCOPE value",
    )
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.set)
    settings.SEARCH_SCOPE = {
        **settings.SEARCH_SCOPE,
        **{k: float(v) for k, v in overrides.items()},
    }
    if overrides:
        print(f"SEARCH_SCOPE overrides: {settings.SEARCH_SCOPE}")
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        call_command("load_catalogue", verbosity=0)
        ok = measure(args.verbose)
    finally:
        runner.teardown_databases(old)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
