"""Search benchmark: p50/p95 latency of `search_measures()` and of GET /api/v1/search.

Run against PostgreSQL with the catalogue loaded:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/search_bench.py

It adds 10,000 generated articles first if they are not there (`manage.py generate_bench_articles`;
remove them afterwards with `--delete`, or pass `--cleanup` here), runs the shared hotline questions
and some colloquial ones repeatedly, prints the figures, and checks that for every shared question
a real measure (1..70) ranks first and an expected one is in the top 3. Exit status 1 if p95 exceeds
the target or a check fails.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
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

from hotline.management.commands.generate_bench_articles import bench_measures  # noqa: E402
from hotline.search import search_measures  # noqa: E402
from policies.models import Measure  # noqa: E402

TARGET_P95_MS = 30.0
SHARED = ROOT / "reference" / "examples" / "hotline-queries.tsv"
COLLOQUIAL = [
    ("晚点交税可以吗", {2}),
    ("电动车车船税免不免", {3}),
    ("个体户所得税减半", {7}),
    ("技改项目补多少", {36}),
    ("稳岗补贴怎么领", {9}),
    ("退税怎么申请", {12}),
    ("贷款到期了还不上怎么办", {17}),
    ("招工难有培训补贴吗", {59}),
    ("第十二条", {12}),
    ("信易代", {22}),
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def timed(fn, *args) -> tuple[float, object]:  # noqa: ANN001
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cleanup", action="store_true", help="Delete the generated articles at the end.")
    args = parser.parse_args()

    print(f"database: {connection.vendor} {settings.DATABASES['default'].get('NAME')}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version(), current_setting('lc_ctype')")
            version, ctype = cursor.fetchone()
        print(f"server: {version.split(',')[0]}, LC_CTYPE {ctype}")
    if bench_measures().count() != args.articles:
        call_command("generate_bench_articles", count=args.articles)
    published = Measure.objects.published().count()
    print(f"published measures: {published} ({published - args.articles} real + {args.articles} generated)")

    shared = [
        (r["query"], {int(n) for n in r["measures"].split(",")})
        for r in csv.DictReader(SHARED.open(encoding="utf-8"), delimiter="\t")
    ]
    queries = [q for q, _ in shared] + [q for q, _ in COLLOQUIAL]

    cold_ms, _ = timed(search_measures, queries[0])
    print(f"first query after start (loads jieba, dictionary, index statistics): {cold_ms:.0f} ms")

    method_ms: list[float] = []
    for _ in range(args.rounds):
        for q in queries:
            ms, _ = timed(search_measures, q)
            method_ms.append(ms)

    client = Client()
    api_ms: list[float] = []
    for _ in range(max(1, args.rounds // 4)):
        for q in queries:
            ms, response = timed(client.get, "/api/v1/search", {"q": q, "limit": 10})
            assert response.status_code == 200, response.content[:200]
            api_ms.append(ms)

    failures = []
    real_first = 0
    for q, expected in shared:
        top = [m.number for m in search_measures(q, limit=3)]
        if top and top[0] <= 70:
            real_first += 1
        if not (set(top) & expected):
            failures.append((q, sorted(expected), top))
    colloquial_hits = []
    for q, expected in COLLOQUIAL:
        top = [m.number for m in search_measures(q, limit=3)]
        colloquial_hits.append((q, sorted(expected), top, bool(set(top) & expected)))
    p95 = percentile(method_ms, 95)
    print()
    print(f"{'':24}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for label, values in [("search_measures", method_ms), ("GET /api/v1/search", api_ms)]:
        print(
            f"{label:24}{len(values):>6}{statistics.median(values):>10.1f}"
            f"{percentile(values, 95):>10.1f}{max(values):>10.1f}"
        )
    print()
    print(f"shared questions with a real measure ranked first: {real_first}/{len(shared)}")
    print(
        f"shared questions with an expected measure in the top 3: {len(shared) - len(failures)}/{len(shared)}"
    )
    for q, expected, top in failures:
        print(f"  MISS {q}: expected {expected}, got {top}")
    hits = sum(hit for *_, hit in colloquial_hits)
    print(
        f"colloquial questions (information only) with an expected measure in the top 3: {hits}/{len(COLLOQUIAL)}"
    )
    for q, expected, top, hit in colloquial_hits:
        if not hit:
            print(f"  miss {q}: expected {expected}, got {top}")
    ok = p95 <= TARGET_P95_MS and not failures and real_first == len(shared)
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'MISSED'}")
    if args.cleanup:
        call_command("generate_bench_articles", delete=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
