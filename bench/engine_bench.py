"""Benchmark the eligibility engine in-process: one profile against all 70 measures, and a bulk
re-screening of generated profiles (the size of a rule change's golden re-run).

    .venv/bin/python bench/engine_bench.py [--runs 2000] [--profiles 100000]

Prints the median and p95 of one screening (with every reason, basis and hint, as the API
returns it), then the time to re-screen N generated profiles on one core, validation included,
both with explanations and statuses-only (``explain=False``, what a bulk comparison needs).
Times are CPU time of this process (``time.process_time``), so other load on the machine does
not inflate them; wall-clock figures are printed alongside.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import timeit
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import profiles  # noqa: E402
from policies.engine import (  # noqa: E402
    SECTIONS,  # noqa: E402
    build_ruleset,
    screen,
    validate_profile,
)

EXAMPLE = ROOT / "reference" / "examples" / "eligibility" / "manufacturing-small-many-benefits.json"


def timed_runs(profile: Any, ruleset: Any, runs: int, serialize: bool = False) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.process_time()
        screening = screen(profile, ruleset)
        if serialize:
            screening.as_dict()
        times.append(time.process_time() - start)
    return times


def summary(label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{label}: median {statistics.median(times) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms ({len(times)} runs)"
    )


def random_profile(rng: random.Random) -> dict[str, Any]:
    """A plausible profile with about a quarter of the fields left unknown (figures as typed)."""
    return profiles.random_profile(rng, SECTIONS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--profiles", type=int, default=100_000)
    args = parser.parse_args()

    # A yardstick for comparing machines: an idle current laptop core does this in about 7 µs.
    loop = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5, timer=time.process_time)) / 2000
    print(f"machine yardstick: sum(range(1000)) takes {loop * 1e6:.1f} µs")
    start = time.process_time()
    ruleset = build_ruleset(json.loads((ROOT / "fixtures" / "rules_source.json").read_text(encoding="utf-8")))
    print(
        f"rule set compiled once: {(time.process_time() - start) * 1000:.1f} ms, {len(ruleset.measures)} measures"
    )

    complete = validate_profile(json.loads(EXAMPLE.read_text(encoding="utf-8"))["profile"])
    partial = validate_profile({"as_of": "2022-05-01", "industry": "C", "employees": 50})
    timed_runs(complete, ruleset, 200)  # warm the per-date and per-row caches
    summary("one complete profile, all 70 measures", timed_runs(complete, ruleset, args.runs))
    summary("  ... and its JSON answer (as_dict)", timed_runs(complete, ruleset, args.runs, serialize=True))
    summary("one partial profile, all 70 measures", timed_runs(partial, ruleset, args.runs))

    rng = random.Random(20220414)
    profiles = [random_profile(rng) for _ in range(args.profiles)]
    for explain in (False, True):
        wall, cpu = time.perf_counter(), time.process_time()
        results = 0
        for data in profiles:
            results += len(screen(validate_profile(data), ruleset, explain=explain).results)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        mode = "with reasons and bases" if explain else "statuses and amounts only"
        print(
            f"re-screened {len(profiles):,} generated profiles ({results:,} results, {mode}): "
            f"{cpu:.1f} s CPU on one core ({cpu / len(profiles) * 1000:.3f} ms each), {wall:.1f} s wall"
        )


if __name__ == "__main__":
    main()
