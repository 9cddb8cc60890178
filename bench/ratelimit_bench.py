"""Rate limiter cost per request: the cache round trips it adds, timed directly.

Run: .venv/bin/python bench/ratelimit_bench.py [--requests 5000]
Uses whatever cache the settings choose (Redis database 1 when REDIS_URL is set, CACHE_URL when
given, process memory otherwise). End-to-end request timings on a shared machine vary more
than the limiter costs, so the limiter's own work is measured on its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from portal.security import RateLimitMiddleware  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    limiter = RateLimitMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    # One address per 100 requests, so both the first hit of a key and later hits are measured.
    requests = [
        factory.post("/api/v1/eligibility", REMOTE_ADDR=f"10.9.{i // 25600 % 256}.{i // 100 % 256}")
        for i in range(args.requests)
    ]
    with override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMITS=[("POST", "/api/v1/eligibility", 10**9)]):
        limiter(requests[0])
        timings = []
        for request in requests:
            start = time.perf_counter()
            limiter(request)
            timings.append((time.perf_counter() - start) * 1e6)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95)]
    print(
        f"rate limiter ({cache}): median {statistics.median(timings):.0f} µs, p95 {p95:.0f} µs per request, "
        f"n={len(timings)}"
    )


if __name__ == "__main__":
    main()
