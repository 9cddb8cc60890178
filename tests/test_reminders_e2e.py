"""End to end with real components: PostgreSQL, the Redis broker, a Celery worker process started
here (not eager mode) and a local SMTP sink (aiosmtpd) that the worker delivers to.

Skipped, saying why, when the database is not PostgreSQL (a worker process cannot share the
test suite's SQLite database) or Redis does not answer on REDIS_URL (default
redis://127.0.0.1:6379/0). CI sets DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal and
REDIS_URL=redis://127.0.0.1:6379/0. The worker consumes a queue of its own, so a parallel test
run or a development worker on the same Redis never takes these tasks.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from enterprises.models import ReminderNotice, Subscription
from portal.celery import app as celery_app

from .smtp_sink import SmtpSink

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
SMALL = {
    "industry": "C36",
    "entity_type": "enterprise",
    "employees": 80,
    "revenue_wan": 1000,
    "total_assets_wan": 500,
    "retained_vat_credit_wan": 12,
    "tax_credit_rating": "A",
}


def redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"Redis at {REDIS_URL} is unreachable ({exc.__class__.__name__})"
    return None


def database_url() -> str:
    """A URL for the test database itself (pytest-django's test_<name>), for the worker."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or "5432"
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def wait_until(predicate, timeout: float = 60.0, what: str = "condition"):  # noqa: ANN001, ANN201
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _reset_celery_caches() -> None:
    # The producer pool, queues and router are built on first use from the configuration.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    for name in ("queues", "router"):
        celery_app.amqp.__dict__.pop(name, None)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


@pytest.fixture
def worker(catalogue, sink: SmtpSink, tmp_path: Path) -> Iterator[str]:  # noqa: ANN001
    """A real `celery worker` process on its own queue, delivering to the sink."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "end-to-end reminders need PostgreSQL (DATABASE_URL=postgres://…): a worker process cannot see the test's SQLite database"
        )
    problem = redis_problem()
    if problem:
        pytest.skip(f"end-to-end reminders need the Redis broker: {problem}")
    queue = f"e2e-reminders-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e_settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": sink.url,
        "SITE_URL": settings.SITE_URL,  # the same links and Message-ID domain as this process
        "DJANGO_DEBUG": "1",
        "DJANGO_CONN_MAX_AGE": "0",
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "-n", f"{queue}@%h",
         "-c", "2", "--pool", "prefork", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    _reset_celery_caches()
    try:
        wait_until(
            lambda: "ready." in log_path.read_text() or process.poll() is not None, 90, "the worker to start"
        )
        assert process.poll() is None, f"the worker exited:\n{log_path.read_text()[-3000:]}"
        yield queue
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        log.close()
        celery_app.conf.update(saved)
        _reset_celery_caches()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def local_path(url: str) -> str:
    return urlsplit(url).path


def test_a_subscription_is_confirmed_reminded_once_retried_and_unsubscribed_through_a_real_worker(
    worker: str, sink: SmtpSink, client: Client
) -> None:
    # Subscribing through the API queues the confirmation email; the worker delivers it.
    response = client.post(
        "/api/v1/subscriptions",
        {"email": "caiwu@example.com", "profile": SMALL},
        content_type="application/json",
    )
    assert response.status_code == 202  # a generic answer: no id, no state
    (confirmation,) = sink.wait_for(1, timeout=60)
    assert confirmation["To"] == "caiwu@example.com"
    assert "确认订阅" in str(confirmation["Subject"])
    body = confirmation.get_body(("plain",)).get_content()
    confirm_url = re.search(r"https?://\S+/confirm/\S+/", body).group(0)

    # Nothing but the confirmation goes out before the link is followed.
    out = StringIO()
    call_command("send_reminders", "--now", "2022-06-23T09:00+08:00", stdout=out)
    assert out.getvalue().startswith("queued 0 notices")
    assert client.post(local_path(confirm_url)).status_code == 200
    assert Subscription.objects.get().is_active

    # One round: one notice, delivered by the worker, with its Message-ID and unsubscribe headers.
    out = StringIO()
    call_command("send_reminders", "--now", "2022-06-23T09:00+08:00", stdout=out)
    assert out.getvalue().startswith("queued 1 notices (1 new)")
    messages = sink.wait_for(2)
    reminder = messages[1]
    notice = wait_until(
        lambda: ReminderNotice.objects.filter(status="sent").first(), 60, "the notice to be marked sent"
    )
    assert reminder["Message-ID"] == notice.message_id
    assert "还有7天" in str(reminder["Subject"]) and "第12条" in str(reminder["Subject"])
    unsubscribe_url = str(reminder["List-Unsubscribe"]).strip().strip("<>")
    assert "/unsubscribe/" in unsubscribe_url
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Running the round again (or beat and a manual run together) sends nothing more.
    call_command("send_reminders", "--now", "2022-06-23T15:00+08:00", stdout=StringIO())
    time.sleep(3)
    assert len(sink.messages) == 2

    # A second subscriber's first delivery is refused by the mail server: retried, sent once.
    other = Subscription.objects.create(
        email="other@example.com", profile=SMALL, profile_digest="e2e-other", consent_version="test"
    )
    other.confirm()
    sink.handler.refuse_next = 1
    out = StringIO()
    call_command("send_reminders", "--now", "2022-06-23T16:00+08:00", stdout=out)
    assert out.getvalue().startswith("queued 1 notices")
    retried = wait_until(
        lambda: ReminderNotice.objects.filter(subscription=other, status="sent").first(),
        60,
        "the retried notice",
    )
    assert retried.attempts == 2 and sink.handler.refused == 1
    time.sleep(2)
    deliveries = sink.deliveries
    assert deliveries[retried.message_id] == 1 and deliveries[notice.message_id] == 1

    # One-click unsubscribe from the header alone; later rounds send nothing to the address.
    assert (
        Client(enforce_csrf_checks=True)
        .post(local_path(unsubscribe_url), {"List-Unsubscribe": "One-Click"})
        .status_code
        == 200
    )
    assert Subscription.objects.get(email="caiwu@example.com").unsubscribed_at is not None
    call_command("send_reminders", "--now", "2022-06-29T09:00+08:00", stdout=StringIO())
    wait_until(lambda: ReminderNotice.objects.filter(stage=1, status="sent").exists(), 60, "the 1-day notice")
    time.sleep(2)
    recipients = [m["To"] for m in sink.messages]
    assert recipients.count("caiwu@example.com") == 2  # the confirmation and the one reminder
    assert recipients.count("other@example.com") == 2  # the 7-day and the 1-day reminders
