#!/usr/bin/env python
"""Fault bench: parallel PDF downloads against GET /healthz under gunicorn (2 sync workers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench CACHE_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/pdf_healthz.py

Creates --receipts fresh receipts, starts gunicorn, measures /healthz alone, then fires one PDF
download per receipt at once (each with a Host header of its own port, as in the report) while
timing /healthz sequentially, and prints /healthz's latency during the burst and the PDF answers
(200 rendered, 503 "try again", 429). The render slots live in the cache: set CACHE_URL to Redis so
both workers share them (a local-memory cache gives each worker its own slot).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

from server import PYTHON, ROOT, prepare_database, production_env

sys.path.insert(0, str(ROOT))
PROFILE = {"industry": "C36", "entity_type": "enterprise", "employees": 80, "revenue_wan": 1000}


def get(url: str, host: str | None = None, timeout: float = 60.0) -> tuple[int, float]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, (time.monotonic() - start) * 1000


def healthz_series(base: str, seconds: float) -> list[float]:
    times, until = [], time.monotonic() + seconds
    while time.monotonic() < until:
        times.append(get(base + "/healthz")[1])
        time.sleep(0.05)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--receipts", type=int, default=4, help="parallel downloads, one receipt each")
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="how long /healthz is timed during the burst"
    )
    args = parser.parse_args()
    env = production_env(DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
    prepare_database(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.cache import cache

    from enterprises.selfcheck.receipts import save_receipt

    cache.delete_many([f"receipt-pdf-slot:{n}" for n in range(8)])
    tokens = [save_receipt({**PROFILE, "employees": 80 + n}).token for n in range(args.receipts)]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "portal.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        until = time.monotonic() + 30
        while time.monotonic() < until:
            try:
                if get(base + "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        idle = healthz_series(base, 3)
        with concurrent.futures.ThreadPoolExecutor(args.receipts + 1) as pool:
            downloads = [
                pool.submit(get, f"{base}/check/result/{token}/pdf/", f"127.0.0.1:{40000 + n}")
                for n, token in enumerate(tokens)
            ]
            time.sleep(0.2)
            during = healthz_series(base, args.seconds)
            answers = [future.result() for future in downloads]
    finally:
        server.terminate()
        server.wait(30)

    def figures(times: list[float]) -> str:
        ordered = sorted(times)
        return (
            f"n={len(times)}  p50 {statistics.median(ordered):.1f} ms  "
            f"p95 {ordered[int(len(ordered) * 0.95) - 1]:.1f} ms  max {ordered[-1]:.1f} ms"
        )

    print(f"gunicorn 2 sync workers; {args.receipts} PDF downloads at once, each with its own Host port")
    print(f"/healthz idle          {figures(idle)}")
    print(f"/healthz during burst  {figures(during)}")
    codes: dict[int, int] = {}
    for status, _ in answers:
        codes[status] = codes.get(status, 0) + 1
    print(f"PDF answers            {codes}  (200 rendered or cached, 503 render slots full: try again)")
    print(f"PDF answer times       {', '.join(f'{ms / 1000:.1f} s' for _, ms in answers)}")


if __name__ == "__main__":
    main()
