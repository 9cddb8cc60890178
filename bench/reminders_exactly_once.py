#!/usr/bin/env python
"""Fault bench for deadline reminders: many notices due the same day, real workers, exactly once.

Sets up a bench database (PostgreSQL) with the catalogue and N confirmed subscriptions whose
profiles all qualify for measure 12's 2022-06-30 deadline, starts a local SMTP sink process and
W Celery worker processes (Redis broker, a queue of their own), runs one reminder round for
2022-06-23 09:00 (the 7-day stage: one notice per subscription), and waits until every notice is
sent. With --kill-after S it kill -9s the whole first worker (main process and pool children)
S seconds into sending and starts it again --restart-after seconds later; with --sink-down-for S
the SMTP sink starts only S seconds after the round (the mail server refuses connections until
then: an outage). Beat's sweeper is played by this script every --sweep-every seconds.

Every process of the run (this one and each worker) reads one clock held at the round's day
(bench/clock.py), so a notice re-queued by the sweeper is judged on 2022-06-23, not today.
If the sink cannot be reached when it should be, the bench stops at once.

Figures printed: set-up and round times, sending time and rate, the ledger's statuses, and what
the SMTP sink received: submissions, distinct Message-IDs (what recipients get: the sink, like a
mail provider, keeps one message per Message-ID) and Message-IDs submitted more than once.

    .venv/bin/python bench/reminders_exactly_once.py                    # 100,000, 2 workers
    .venv/bin/python bench/reminders_exactly_once.py --kill-after 60    # kill -9 mid-batch
    .venv/bin/python bench/reminders_exactly_once.py --subscriptions 10000   # a quick run
    .venv/bin/python bench/reminders_exactly_once.py --subscriptions 5000 --sink-down-for 180  # outage

Needs PostgreSQL and Redis on 127.0.0.1 (DATABASE_URL defaults to a separate bench database,
which is emptied of subscriptions and notices at each run).
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUND_AT = "2022-06-23T09:00:00+08:00"  # 7 days before measure 12's 2022-06-30 deadline


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (celery worker instances)")
    parser.add_argument("--concurrency", type=int, default=2, help="prefork pool size of each worker")
    parser.add_argument(
        "--kill-after", type=float, default=None, help="kill -9 worker 1 this many seconds into sending"
    )
    parser.add_argument(
        "--restart-after", type=float, default=5.0, help="start the killed worker again after this"
    )
    parser.add_argument(
        "--sweep-every", type=float, default=60.0, help="run the sweeper (beat's job) this often"
    )
    parser.add_argument(
        "--sink-down-for",
        type=float,
        default=0.0,
        help="start the SMTP sink only this many seconds after the round (a mail-server outage)",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="give up after this many seconds of sending"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="directory for logs")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Worker:
    def __init__(self, number: int, args: argparse.Namespace, env: dict, queue: str, out: Path) -> None:
        self.number, self.args, self.env, self.queue, self.out = number, args, env, queue, out
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.out / f"worker{self.number}.{self.starts}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.clock", "-A", "portal", "worker", "-Q", self.queue,
             "-n", f"bench{self.number}.{self.starts}@%h", "-c", str(self.args.concurrency), "--pool", "prefork",
             "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def kill9(self) -> None:
        # The whole process group: the main process and its pool children, as in a crash.
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def main() -> None:
    args = parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    ensure_database(args.database_url)
    from bench import clock

    # One clock for every process of the run, at the round's moment from now on (see clock.py).
    os.environ[clock.ENV] = str(clock.offset_to(datetime.datetime.fromisoformat(ROUND_AT)))
    clock.hold()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from enterprises.models import ReminderNotice, Subscription
    from enterprises.reminders import planning as reminders
    from enterprises.reminders.models import CONSENT_VERSION, profile_digest

    t = time.monotonic()
    call_command("migrate", verbosity=0)
    # The published catalogue and rules, as fixtures/ ship them (reloaded on every run, so the
    # bench measures today's rules).
    call_command("load_catalogue", force=True, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {ReminderNotice._meta.db_table}, {Subscription._meta.db_table} RESTART IDENTITY CASCADE"
        )
    now = datetime.datetime.now(datetime.UTC)
    profiles = []
    for variant in range(20):  # small enterprises alike enough to share a deadline, not identical
        profile = reminders.clean_profile(
            {
                "industry": "C36",
                "entity_type": "enterprise",
                "employees": 20 + variant * 10,
                "revenue_wan": 400 + variant * 50,
                "total_assets_wan": 500,
                "retained_vat_credit_wan": 5 + variant,
                "tax_credit_rating": "A" if variant % 2 else "B",
            }
        )
        profiles.append((profile, profile_digest(profile)))
    batch = []
    for i in range(args.subscriptions):
        profile, digest = profiles[i % len(profiles)]
        batch.append(
            Subscription(
                email=f"bench{i}@example.com", profile=profile, profile_digest=digest, consent_version=CONSENT_VERSION,
                consent_given_at=now, confirmed_at=now,
            )
        )  # fmt: skip
        if len(batch) == 5000:
            Subscription.objects.bulk_create(batch)
            batch = []
    Subscription.objects.bulk_create(batch)
    setup_seconds = time.monotonic() - t
    print(f"set-up: {args.subscriptions:,} confirmed subscriptions in {setup_seconds:.1f} s", flush=True)

    queue = f"bench-reminders-{uuid.uuid4().hex[:8]}"
    port = free_port()
    sink_log = out / "sink.log"
    sink_log.write_text("")
    sink = Sink(port, sink_log, out)
    if not args.sink_down_for:
        sink.start()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    workers = [Worker(n + 1, args, env, queue, out) for n in range(args.workers)]
    try:
        for worker in workers:
            worker.start()
        run(args, workers, sink, sink_log, queue)
    finally:
        for worker in workers:
            worker.stop()
        sink.stop()


class SinkDown(SystemExit):
    """The SMTP sink is not answering when it should: the bench's figures would mean nothing."""


class Sink:
    """The local SMTP sink process (tests/smtp_sink.py), checked to answer before it counts as up."""

    def __init__(self, port: int, log: Path, out: Path) -> None:
        self.port, self.log, self.out = port, log, out
        self.process: subprocess.Popen | None = None

    def start(self, wait: float = 15.0) -> None:
        import socket

        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.smtp_sink", "--port", str(self.port), "--log", str(self.log)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(self.out / "sink.err").open("w"), start_new_session=True,
        )  # fmt: skip
        until = time.monotonic() + wait
        while time.monotonic() < until:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    if conn.recv(3) == b"220":
                        return
            except OSError:
                time.sleep(0.2)
        err = (self.out / "sink.err").read_text()[-2000:]
        print(f"SMTP sink did not start on port {self.port} (exit {self.process.poll()}): stopping.\n{err}")
        raise SinkDown(2)

    @property
    def up(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check(self) -> None:
        """Stop the bench at once if a sink that was started has died."""
        if self.process is not None and self.process.poll() is not None:
            err = (self.out / "sink.err").read_text()[-2000:]
            print(f"SMTP sink exited (code {self.process.returncode}) during the run: stopping.\n{err}")
            raise SinkDown(2)

    def stop(self) -> None:
        if self.up:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)


def run(args: argparse.Namespace, workers: list[Worker], sink: Sink, sink_log: Path, queue: str) -> None:
    from django.db.models import Count
    from django.utils.dateparse import parse_datetime

    from enterprises.models import ReminderNotice
    from enterprises.reminders import planning as reminders
    from portal.celery import app as celery_app

    time.sleep(3)  # workers boot while the round plans
    celery_app.conf.update(broker_url=args.redis_url, task_always_eager=False, task_default_queue=queue)

    t0 = time.monotonic()
    result = reminders.run_round(parse_datetime(ROUND_AT))
    round_seconds = time.monotonic() - t0
    print(
        f"round: created {result.created:,} notices, queued {result.queued:,} in {round_seconds:.1f} s "
        f"(tasks of {reminders.reminder_setting('BATCH_SIZE')} ids)",
        flush=True,
    )

    killed_at = restarted_at = sink_up_at = None
    outage_seen = None
    last_sweep = time.monotonic()
    swept = 0
    done_at = None
    status: Counter = Counter()
    while time.monotonic() - t0 < args.timeout:
        time.sleep(2)  # polling costs the database a GROUP BY over all notices: not too often
        elapsed = time.monotonic() - t0
        sink.check()
        if args.sink_down_for and sink_up_at is None and elapsed >= args.sink_down_for:
            outage_seen = reminders.mail_outage()  # what staff see in the admin at that moment
            print(f"{elapsed:6.1f} s  admin shows: {outage_seen}", flush=True)
            sink.start()
            sink_up_at = elapsed
            print(f"{elapsed:6.1f} s  SMTP sink started (outage over)", flush=True)
        status = Counter(
            dict(ReminderNotice.objects.values_list("status").annotate(n=Count("id")).order_by())
        )
        if args.kill_after is not None and killed_at is None and elapsed >= args.kill_after:
            in_flight = status.get("sending", 0)
            workers[0].kill9()
            killed_at = elapsed
            print(
                f"{elapsed:6.1f} s  kill -9 worker 1 (sent so far {status.get('sent', 0):,}, in flight {in_flight})",
                flush=True,
            )
        if killed_at is not None and restarted_at is None and elapsed >= killed_at + args.restart_after:
            workers[0].start()
            restarted_at = elapsed
            print(f"{elapsed:6.1f} s  worker 1 started again", flush=True)
        if time.monotonic() - last_sweep >= args.sweep_every:
            swept += reminders.sweep()
            last_sweep = time.monotonic()
        if int(elapsed) % 30 < 2:
            print(f"{elapsed:6.1f} s  {dict(status)}", flush=True)
        if status.get("sent", 0) + status.get("failed", 0) + status.get("skipped", 0) >= result.created:
            done_at = elapsed
            break

    time.sleep(5)  # let anything still in flight (a duplicate, if any) reach the sink
    # CPU time of reaped children: the workers (with their pool processes) and then the sink;
    # a kill -9'd worker's orphaned pool processes are not counted.
    before = _children_cpu()
    for worker in workers:
        worker.stop()
    after_workers = _children_cpu()
    sink.stop()
    cpu = {"workers": after_workers - before, "sink": _children_cpu() - after_workers}
    if args.sink_down_for:
        waiting = outage_seen["count"] if outage_seen else 0
        print(f"outage                      sink down for the first {sink_up_at or 0:.1f} s; "
              f"notices waiting for retry then {waiting:,}")  # fmt: skip
    report(args, result, round_seconds, done_at, killed_at, restarted_at, status, swept, sink_log, cpu)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(
    args: argparse.Namespace,
    result: object,
    round_seconds: float,
    done_at: float | None,
    killed_at: float | None,
    restarted_at: float | None,
    status: Counter,
    swept: int,
    sink_log: Path,
    cpu: dict[str, float],
) -> None:
    from enterprises.models import ReminderNotice

    total = args.subscriptions

    lines = [line.split("\t")[0] for line in sink_log.read_text().splitlines() if line]
    deliveries = Counter(lines)
    twice = {mid: n for mid, n in deliveries.items() if n > 1}
    attempts = Counter(ReminderNotice.objects.values_list("attempts", flat=True))
    sent = status.get("sent", 0)
    print()
    print("=== reminders exactly-once bench ===")
    print(f"subscriptions               {total:>10,}")
    print(
        f"workers x pool              {args.workers} x {args.concurrency} (prefork), broker {args.redis_url}"
    )
    print(f"notices created             {result.created:>10,}")
    print(f"round (plan + enqueue)      {round_seconds:>10.1f} s")
    if done_at is None:
        print(f"NOT FINISHED after {args.timeout:.0f} s: {dict(status)}")
    else:
        print(
            f"all notices done after      {done_at:>10.1f} s from the round's start  ({sent / done_at:,.0f} notices/s)"
        )
        print(f"within 10 minutes           {'yes' if done_at <= 600 else 'NO'}")
    if killed_at is not None:
        print(f"worker 1 kill -9 at         {killed_at:>10.1f} s, restarted at {restarted_at or 0:.1f} s")
    print(f"ledger statuses             {dict(status)}")
    print(f"attempts per notice         {dict(sorted(attempts.items()))}")
    print(f"sweeper re-queued           {swept:>10,}")
    if sent:
        print(
            f"CPU per 1,000 notices       workers {cpu['workers'] / sent * 1000:.2f} s, SMTP sink "
            f"{cpu['sink'] / sent * 1000:.2f} s (PostgreSQL and Redis not counted)"
        )
    # The sink plays the mail provider: a message whose Message-ID it has already accepted is
    # acknowledged and dropped (the provider's idempotency key). A resubmission can only happen
    # when a worker dies after the server took the message (its final dot) and before the SENT
    # mark commits, typically while still waiting for the server's "250": SMTP's own duplicate
    # window (RFC 1047), which no ledger on the sending side can close.
    print(f"SMTP submissions            {len(lines):>10,}")
    print(f"distinct Message-IDs        {len(deliveries):>10,}  (= messages in recipients' mailboxes)")
    print(f"resubmitted Message-IDs     {len(twice):>10,}  {dict(list(twice.items())[:5])}")
    missing = result.created - len(deliveries)
    print(f"notices never delivered     {missing:>10,}")
    print(f"sent / twice / never        {len(deliveries):,} / {len(twice):,} / {missing:,}")
    exactly_once = done_at is not None and sent == result.created == len(deliveries)
    print(f"every notice exactly once   {'yes' if exactly_once else 'NO'}")
    print(f"no SMTP resubmission at all {'yes' if len(lines) == len(deliveries) else 'no'}")
    sys.exit(0 if exactly_once else 1)


if __name__ == "__main__":
    main()
