"""Load test: POST /api/v1/eligibility against GET /healthz under gunicorn, measured in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/api_load.py

Migrates the database and loads the catalogue if needed, starts gunicorn with 2 sync workers on
127.0.0.1, then drives each endpoint with wrk (Debian's `wrk`: 2 threads, 16 connections) and
prints requests per second, the p50/p99 latencies and the eligibility/healthz ratio. Traffic
goes to the loopback address only, and every wrk run stops by itself after --seconds.
Targets (issue 3): ratio >= 60%, eligibility p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from server import PYTHON, ROOT, SMALL_MANUFACTURER, prepare_database, production_env

EXAMPLE = ROOT / "reference" / "examples" / "eligibility" / "manufacturing-small-many-benefits.json"
FALLBACK_PROFILE = SMALL_MANUFACTURER


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/sec and latency percentiles (ms) from `wrk --latency` output."""

    def to_ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = {
        f"p{pct}": to_ms(value, unit)
        for pct, value, unit in re.findall(r"\s(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\b", output)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": rps, **percentiles, "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0}


def wrk(url: str, seconds: int, script: Path | None = None) -> dict[str, float]:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", str(script)]
    result = subprocess.run(command + [url], capture_output=True, text=True, check=True)
    return parse_wrk(result.stdout)


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15, help="duration of each wrk run")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--query",
        default="",
        help="query string for the eligibility URL, e.g. 'document=1' (see bench/documents_bench.py)",
    )
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (the target is measured on PostgreSQL).")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    env = production_env(RATE_LIMIT_ENABLED="0")
    prepare_database(env)

    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    profile = json.loads(EXAMPLE.read_text())["profile"] if EXAMPLE.exists() else FALLBACK_PROFILE
    base = f"http://127.0.0.1:{args.port}"
    gunicorn = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(base + "/healthz", gunicorn)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            body = json.dumps(profile, ensure_ascii=True).replace("\\", "\\\\").replace('"', '\\"')
            script.write(
                'wrk.method = "POST"\n'
                f'wrk.body = "{body}"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
        # Warm both workers (rule cache, connections) before measuring.
        target = base + "/api/v1/eligibility" + (f"?{args.query}" if args.query else "")
        wrk(target, 3, Path(script.name))
        health = wrk(base + "/healthz", args.seconds)
        eligibility = wrk(target, args.seconds, Path(script.name))
        os.unlink(script.name)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

    print(
        f"gunicorn 2 sync workers, PostgreSQL, wrk 2 threads x 16 connections, {args.seconds} s per endpoint"
    )
    print(f"{'endpoint':<28}{'req/s':>10}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, figures in (("GET /healthz", health), ("POST /api/v1/eligibility", eligibility)):
        print(
            f"{name:<28}{figures['rps']:>10.1f}{figures.get('p50', 0):>10.2f}"
            f"{figures.get('p90', 0):>10.2f}{figures.get('p99', 0):>10.2f}{int(figures['non_2xx']):>10}"
        )
    ratio = eligibility["rps"] / health["rps"]
    print(f"eligibility / healthz throughput: {ratio:.0%} (target >= 60%)")
    print(f"eligibility p99: {eligibility.get('p99', 0):.1f} ms (target <= 50 ms)")


if __name__ == "__main__":
    main()
