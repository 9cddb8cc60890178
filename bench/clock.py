"""The bench's clock: every process of a bench run reads the same shifted time.

The reminders bench plays a round of 2022-06-23 09:00 (+08:00). Its own process and every worker
it starts call `hold()`, which moves the wall clock (time.time, datetime.now, ...) by the offset
in BENCH_CLOCK_OFFSET and lets it tick: all processes then agree on one moment (leases, ETAs of
retries, the broker's visibility timeout, the sweeper's "now") and that moment is the round's
day, so what the bench judges is the ledger and not the machine's calendar.
"""

from __future__ import annotations

import datetime
import os
import time

import time_machine

ENV = "BENCH_CLOCK_OFFSET"


def offset_to(moment: datetime.datetime) -> float:
    """Seconds to add to the real clock so that it reads `moment` now."""
    return moment.timestamp() - time.time()


def hold() -> None:
    """Shift this process's clock by BENCH_CLOCK_OFFSET seconds (if set), ticking."""
    offset = os.environ.get(ENV)
    if offset:
        time_machine.travel(time.time() + float(offset), tick=True).start()


def celery_main() -> None:
    """`celery` with the bench's clock (started as ``python -m bench.clock -A portal worker ...``)."""
    hold()
    from celery.__main__ import main

    main()


if __name__ == "__main__":
    celery_main()
