"""Deadline reminders: subscribing, planning a round, sending notices, sweeping and retention.

A round (`run_round`) looks at the deadlines of published measures that have reached a stage
(30, 7 or 1 days before), evaluates each confirmed subscription's profile against the current
rules, and creates one PENDING `ReminderNotice` per (subscription, deadline, stage) that applies;
the database's unique key makes a re-run create nothing new. The notices are handed to Celery in
batches of ids after the transaction commits. A worker (`send_notices`) claims each notice with
a conditional update, re-checks consent and eligibility at that moment, sends it, and marks it
SENT, or PENDING again for a retry with backoff (until its deadline while the mail server is
unreachable or answers 4xx; REMINDER_MAX_ATTEMPTS times for any other error), or FAILED. A sweeper
re-queues notices whose task was lost or whose worker died holding the lease.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from enterprises.reminders import outcomes
from enterprises.reminders.models import (
    CONSENT_VERSION,
    STAGES,
    ReminderNotice,
    Subscription,
    normalize_email,
    profile_digest,
    reminder_setting,
)
from policies import screening
from policies.engine import ELIGIBLE, NEEDS_INFO, ProfileError
from policies.models import Deadline

logger = logging.getLogger(__name__)

NOT_YET = "尚未到提醒时间"

# Statuses for which an enterprise is reminded: it qualifies, or may once it confirms a fact.
REMINDED_STATUSES = (ELIGIBLE, NEEDS_INFO)


# Stages -------------------------------------------------------------------------------------


def due_stage(deadline: datetime.date, today: datetime.date) -> int | None:
    """The stage due on `today` for a deadline, or None (too early, or the deadline has passed).

    Only the latest stage reached is due; earlier ones are overtaken: ten days before a
    deadline the 30-day stage is due, from seven days before the 7-day stage, from the day
    before (and on the day itself) the 1-day stage.
    """
    days_left = (deadline - today).days
    if days_left < 0:
        return None
    reached = [stage for stage in STAGES if days_left <= stage]
    return min(reached) if reached else None


def stage_dates(deadline: datetime.date, today: datetime.date) -> list[tuple[int, datetime.date]]:
    """The stages still to come for a deadline and the day each is sent (the due one: today)."""
    current = due_stage(deadline, today)
    plan = [(current, today)] if current else []
    plan += [
        (s, deadline - datetime.timedelta(days=s))
        for s in STAGES
        if deadline - datetime.timedelta(days=s) > today
    ]
    return sorted(plan, key=lambda item: item[1])


# Subscribing --------------------------------------------------------------------------------


def clean_profile(data: object) -> dict[str, Any]:
    """Validate a profile against the contract and return what a subscription stores.

    Raises ProfileError naming every bad field. `as_of` is dropped: reminders are always
    evaluated for the day they are sent.
    """
    profile = screening.check_profile(data).as_dict()
    profile.pop("as_of", None)
    return profile


@dataclass
class SubscribeResult:
    subscription: Subscription
    created: bool
    confirmation_queued: bool


def subscribe(
    email: str, profile: dict[str, Any], *, consent_given: bool, now: datetime.datetime | None = None
) -> SubscribeResult:
    """Record a subscription (or find the existing one) and queue its confirmation email.

    `profile` must come from clean_profile(). The same address with the same profile is one
    subscription, whatever the number of requests. A confirmation is sent only to an address
    that is not confirmed yet, at most once per REMINDER_CONFIRM_RESEND_MINUTES, so the form
    cannot be used to flood someone's mailbox; an unsubscribed address starts over.
    """
    now = now or timezone.now()
    email = normalize_email(email)
    digest = profile_digest(profile)
    with transaction.atomic():
        subscription, created = _get_or_create(email, digest, profile, now)
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        update: list[str] = []
        if subscription.unsubscribed_at:
            # A new subscription after withdrawal: double opt-in again.
            subscription.unsubscribed_at = None
            subscription.confirmed_at = None
            subscription.consent_given_at = None
            update += ["unsubscribed_at", "confirmed_at", "consent_given_at"]
        if consent_given and subscription.confirmed_at is None:
            subscription.consent_given_at = now
            subscription.consent_version = CONSENT_VERSION
            update += ["consent_given_at", "consent_version"]
        queue = subscription.confirmed_at is None and _may_send_confirmation(subscription, now)
        if queue:
            subscription.confirmation_sent_at = now
            update.append("confirmation_sent_at")
        if update:
            subscription.save(update_fields=sorted(set(update)))
        if queue:
            from enterprises.reminders.tasks import send_confirmation

            transaction.on_commit(partial(send_confirmation.delay, subscription.pk))
    return SubscribeResult(subscription, created, queue)


def _get_or_create(
    email: str, digest: str, profile: dict, now: datetime.datetime
) -> tuple[Subscription, bool]:
    existing = Subscription.objects.filter(email=email, profile_digest=digest).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            created = Subscription.objects.create(
                email=email, profile=profile, profile_digest=digest, consent_version=CONSENT_VERSION
            )
            return created, True
    except IntegrityError:
        # A concurrent request created it first: the unique key keeps it to one row.
        return Subscription.objects.get(email=email, profile_digest=digest), False


def _may_send_confirmation(subscription: Subscription, now: datetime.datetime) -> bool:
    resend = datetime.timedelta(minutes=reminder_setting("CONFIRM_RESEND_MINUTES"))
    # Per address, not per subscription: five profiles posted for one mailbox must not send it
    # five confirmations in a row (one pending confirmation per address at a time).
    pending = Subscription.objects.filter(
        email=subscription.email, confirmed_at__isnull=True, confirmation_sent_at__gt=now - resend
    )
    if pending.exists():
        return False
    day_ago = now - datetime.timedelta(days=1)
    recent = Subscription.objects.filter(email=subscription.email, confirmation_sent_at__gte=day_ago).count()
    return recent < reminder_setting("CONFIRMATIONS_PER_ADDRESS_PER_DAY")


@dataclass(frozen=True)
class UpcomingReminder:
    measure: int
    title: str
    deadline: datetime.date
    label: str
    stage: int
    send_on: datetime.date
    status: str
    document: str = ""  # the measure's 文号


def upcoming_reminders(profile: dict[str, Any], today: datetime.date) -> list[UpcomingReminder]:
    """The reminders a subscription with this profile would get from `today` on (current rules)."""
    plan: list[UpcomingReminder] = []
    ruleset = screening.published_rules()
    deadlines = list(
        Deadline.objects.filter(measure__is_draft=False, date__gte=today).select_related("measure__document")
    )
    if not deadlines:
        return plan
    evaluation = safe_evaluate(ruleset, profile_digest(profile), profile, today)
    if evaluation is None:
        return plan
    for deadline in deadlines:
        outcome = evaluation.get(outcomes.measure_key(deadline.measure))
        if not _applies(outcome, deadline):
            continue
        for stage, send_on in stage_dates(deadline.date, today):
            plan.append(
                UpcomingReminder(
                    deadline.measure.number,
                    deadline.measure.title,
                    deadline.date,
                    deadline.label,
                    stage,
                    send_on,
                    outcome.status,
                    deadline.measure.document.number,
                )
            )
    return sorted(plan, key=lambda r: (r.send_on, r.deadline, r.measure))


def _applies(outcome: outcomes.Outcome | None, deadline: Deadline) -> bool:
    """Whether a deadline concerns this enterprise: the measure may apply and the deadline's own
    condition is not known to be false (unknown counts, so nobody misses an earlier date)."""
    if outcome is None or outcome.status not in REMINDED_STATUSES:
        return False
    return outcome.deadline_applies(deadline.date, deadline.label) is not False


# A round ------------------------------------------------------------------------------------


@dataclass
class RoundResult:
    created: int = 0
    queued: int = 0
    requeued: int = 0
    queued_at: datetime.datetime | None = None
    # Active subscriptions whose stored profile could not be screened this round (skipped alone).
    unscreenable: int = 0

    @property
    def sent(self) -> int:
        """How many of this round's notices are sent by now (all of them when tasks run in-process)."""
        if self.queued_at is None:
            return 0
        return ReminderNotice.objects.filter(
            enqueued_at=self.queued_at, status=ReminderNotice.Status.SENT
        ).count()


def run_round(at: datetime.datetime | None = None) -> RoundResult:
    """Create the notices due at `at` (default now) and queue them and any lost ones for sending."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    result = RoundResult()
    due = _due_deadlines(today)
    if due:
        result.created, result.unscreenable = _create_notices(due, today)
    result.queued_at = marker = timezone.now()
    result.queued = _enqueue(
        ReminderNotice.objects.filter(status=ReminderNotice.Status.PENDING, enqueued_at__isnull=True),
        at,
        marker,
    )
    result.requeued = sweep()
    return result


def _due_deadlines(today: datetime.date) -> list[tuple[Deadline, int]]:
    horizon = today + datetime.timedelta(days=max(STAGES))
    deadlines = Deadline.objects.filter(
        measure__is_draft=False, date__gte=today, date__lte=horizon
    ).select_related("measure__document")
    return [(d, stage) for d in deadlines if (stage := due_stage(d.date, today))]


def _create_notices(due: list[tuple[Deadline, int]], today: datetime.date) -> tuple[int, int]:
    """Create the PENDING notices for every active subscription a due deadline applies to.

    Returns (notices created, active subscriptions skipped because their profile no longer
    screens). One such profile must not stop the round for everyone else.
    """
    ruleset = screening.published_rules()
    # Identical profiles (common: many enterprises answer alike) are evaluated once.
    firsts = Subscription.objects.active().values("profile_digest").annotate(first=Min("pk")).order_by()
    first_ids = [row["first"] for row in firsts]
    applicable: dict[tuple[int, int], list[str]] = defaultdict(list)
    bad_digests: list[str] = []
    for start in range(0, len(first_ids), 500):
        rows = Subscription.objects.filter(pk__in=first_ids[start : start + 500]).values_list(
            "profile_digest", "profile"
        )
        for digest, profile in rows:
            evaluation = safe_evaluate(ruleset, digest, profile, today)
            if evaluation is None:
                bad_digests.append(digest)
                continue
            for deadline, stage in due:
                if _applies(evaluation.get(outcomes.measure_key(deadline.measure)), deadline):
                    applicable[(deadline.pk, stage)].append(digest)
    created = 0
    for deadline, stage in due:
        digests = applicable[(deadline.pk, stage)]
        for start in range(0, len(digests), 500):
            created += ReminderNotice.objects.create_for(deadline, stage, digests[start : start + 500])
    unscreenable = (
        Subscription.objects.active().filter(profile_digest__in=bad_digests).count() if bad_digests else 0
    )
    if unscreenable:
        logger.error(
            "reminder round %s: %d subscription(s) skipped, their stored profile could not be screened",
            today,
            unscreenable,
        )
    return created, unscreenable


def safe_evaluate(
    ruleset: Any, digest: str, profile: object, today: datetime.date
) -> dict[int, outcomes.Outcome] | None:
    """Screen a stored profile, or None (logged) if it cannot be screened any more.

    A stored profile may have been valid under an older contract, hold values the engine cannot
    compute with (1e300 overflows a Decimal context), or meet a rule that raises; each of these
    concerns that one subscription, so it is logged and skipped rather than raised.
    """
    try:
        if not isinstance(profile, dict):
            raise ProfileError([("profile", "不是对象")])
        return outcomes.evaluate(ruleset, profile, today)
    except ProfileError as exc:
        logger.warning("stored profile %s no longer valid (%s); no reminders for it", digest, exc)
    except Exception:  # noqa: BLE001 - any engine failure is this profile's alone
        logger.exception("stored profile %s could not be screened; no reminders for it", digest)
    return None


def _enqueue(notices: Any, at: datetime.datetime | None, marker: datetime.datetime) -> int:
    """Mark notices as queued and hand them to Celery in batches once the transaction commits."""
    from enterprises.reminders.tasks import send_notices

    size = reminder_setting("BATCH_SIZE")
    at_iso = at.isoformat() if at else None
    ids = list(notices.order_by("pk").values_list("pk", flat=True))
    queued = 0
    for start in range(0, len(ids), 2000):  # 2000 ids per transaction: few round trips
        chunk = ids[start : start + 2000]
        with transaction.atomic():
            # The conditional UPDATE re-checks the queryset's conditions row by row, so of two
            # concurrent rounds or sweeps only one marks (and queues) each notice; the claim
            # would stop a second send anyway. The marker then names the rows this call won.
            notices.filter(pk__in=chunk).update(enqueued_at=marker)
            mine = list(
                ReminderNotice.objects.filter(pk__in=chunk, enqueued_at=marker)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for first in range(0, len(mine), size):
                transaction.on_commit(partial(send_notices.delay, mine[first : first + size], at_iso))
        queued += len(mine)
    return queued


def sweep(now: datetime.datetime | None = None) -> int:
    """Re-queue notices whose task was lost or whose worker died.

    A notice whose deadline has passed is not re-queued: if it was ever attempted it is marked
    FAILED (its attempts failed until it was too late; the last error stays in `detail`);
    otherwise the worker would cancel it as overdue anyway.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    stale = ReminderNotice.objects.needing_requeue(now)
    overdue = stale.filter(deadline_date__lt=today, attempts__gt=0)
    for notice in overdue.only("pk", "detail"):
        ReminderNotice.objects.filter(pk=notice.pk).update(
            status=ReminderNotice.Status.FAILED,
            lease_until=None,
            detail=f"截止日期前未能发出,已停止重试。{notice.detail}"[:2000],
        )
    return _enqueue(stale.exclude(deadline_date__lt=today, attempts__gt=0), None, now)


def is_transient(exc: BaseException) -> bool:
    """Whether a sending error may go away by itself: the mail server down, unreachable, timing
    out, disconnecting, or answering 4xx (RFC 5321: "try again later")."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    # SMTPServerDisconnected, SMTPConnectError (4xx greeting handled above), refused
    # connections, DNS failures and timeouts are all OSErrors.
    return isinstance(exc, OSError)


def mail_outage() -> dict[str, Any] | None:
    """What staff need to see while notices wait for the mail server: how many, since when, the
    last error; None when no notice is waiting after a failed attempt."""
    # A failed notice's detail holds its error, and the rest of its batch is handed back with a
    # note naming it; a notice that is sent or cancelled has its detail replaced.
    waiting = ReminderNotice.objects.filter(
        status__in=[ReminderNotice.Status.PENDING, ReminderNotice.Status.SENDING]
    ).exclude(detail="")
    found = waiting.aggregate(first=Min("created_at"), nearest=Min("deadline_date"))
    count = waiting.count()
    if not count:
        return None
    # The error itself, from a notice that was tried (the others only point to their batch's).
    last = (
        waiting.filter(attempts__gt=0).order_by("-enqueued_at").values_list("detail", flat=True).first()
        or waiting.order_by("-enqueued_at").values_list("detail", flat=True).first()
    )
    return {"count": count, "nearest_deadline": found["nearest"], "last_error": last}


# Sending ------------------------------------------------------------------------------------


@dataclass
class SendOutcome:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    busy: list[int] = field(default_factory=list)
    error: str = ""  # the first sending error of the batch, for the log


def send_notices(notice_ids: Sequence[int], at: datetime.datetime | None = None) -> SendOutcome:
    """Send the given notices once each; safe to call again with the same ids at any time.

    The batch is claimed in one go, then each notice is sent and marked SENT on its own (the
    smaller the gap between the mail server's "OK" and the SENT mark, the smaller the window in
    which a crash could make a retry resend it; the Message-ID covers that last gap). After a
    mail failure, or when the lease is half used up, the rest of the batch is handed back to be
    retried rather than sent late on an expiring lease.
    """
    outcome = SendOutcome()
    won = ReminderNotice.objects.claim(list(notice_ids))
    outcome.busy = [pk for pk in notice_ids if pk not in set(won)]  # sent, cancelled or held elsewhere
    if not won:
        return outcome
    batch = _Batch(timezone.localdate(at or timezone.now()))
    deadline = time.monotonic() + reminder_setting("LEASE_SECONDS") / 2
    notices = list(
        ReminderNotice.objects.filter(pk__in=won)
        .select_related("subscription", "deadline__measure")
        .order_by("pk")
    )
    connection = None
    try:
        for index, notice in enumerate(notices):
            if time.monotonic() > deadline or (outcome.retry and connection is None):
                note = f"未尝试:同批提醒发送失败({outcome.error})" if outcome.error else ""
                for rest in notices[index:]:
                    rest.release(requeued=True, reason=note)
                    outcome.retry.append(rest.pk)
                break
            try:
                connection = _send_one(notice, batch, connection, outcome)
            except Exception as exc:  # noqa: BLE001 - any failure is recorded on the notice and retried
                transient = is_transient(exc)
                if not transient:
                    logger.exception("reminder %s not sent", notice.pk)
                retry = notice.mark_failed(
                    f"{type(exc).__name__}: {exc}", transient=transient, today=batch.today
                )
                (outcome.retry if retry else outcome.failed).append(notice.pk)
                outcome.error = outcome.error or f"{type(exc).__name__}: {exc}"
                connection = _close(connection)  # a broken SMTP session must not poison the rest
    finally:
        _close(connection)
    if outcome.retry or outcome.failed:
        # One line per batch, not per notice: an outage with 20,000 notices due stays readable.
        logger.error(
            "reminders: mail server failed (%s); %d notice(s) will be retried, %d failed for good",
            outcome.error,
            len(outcome.retry),
            len(outcome.failed),
        )
    return outcome


class _Batch:
    """What a batch shares: the rules (loaded once), each distinct profile's screening, and
    each measure's responsible units."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self._ruleset: Any = None
        self._by_digest: dict[str, dict[tuple[str, int], outcomes.Outcome]] = {}
        self._units: dict[int, list] = {}
        self.rendered: dict = {}

    def outcome(self, subscription: Subscription, measure: tuple[str, int]) -> outcomes.Outcome | None:
        if self._ruleset is None:
            self._ruleset = screening.published_rules()
        found = self._by_digest.get(subscription.profile_digest)
        if found is None:
            found = _screen(self._ruleset, subscription.profile_digest, subscription.profile, self.today)
            self._by_digest[subscription.profile_digest] = found
        return None if found is UNSCREENABLE else found.get(measure)

    def unscreenable(self, subscription: Subscription) -> bool:
        """Whether this subscription's profile failed to screen (outcome() is None then)."""
        return self._by_digest.get(subscription.profile_digest) is UNSCREENABLE

    def units(self, measure: Any) -> list:
        if measure.pk not in self._units:
            self._units[measure.pk] = [mu.unit for mu in measure.measure_units.select_related("unit")]
        return self._units[measure.pk]


_screenings: OrderedDict[tuple, tuple[Any, dict[int, outcomes.Outcome]]] = OrderedDict()

# What _screen() remembers for a profile that cannot be screened (see safe_evaluate).
UNSCREENABLE: dict[int, outcomes.Outcome] = {}


def _screen(
    ruleset: Any, digest: str, profile: dict, today: datetime.date
) -> dict[tuple[str, int], outcomes.Outcome]:
    """Screen a profile, remembering the last few hundred answers in this worker process.

    The key holds the rule set object itself: the policies app's loader hands out a new one
    whenever an official changes the rules, so a remembered answer is never from old rules.
    """
    key = (id(ruleset), digest, today)
    found = _screenings.get(key)
    if found is not None and found[0] is ruleset:
        _screenings.move_to_end(key)
        return found[1]
    result = safe_evaluate(ruleset, digest, profile, today)
    if result is None:
        result = UNSCREENABLE
    _screenings[key] = (ruleset, result)
    if len(_screenings) > 500:
        _screenings.popitem(last=False)
    return result


def _send_one(notice: ReminderNotice, batch: _Batch, connection: Any, outcome: SendOutcome) -> Any:
    """Send one claimed notice (or cancel or release it); return the SMTP connection to reuse."""
    from enterprises.reminders.emails import reminder_message, uses_raw_mime

    reason = _reason_not_to_send(notice, batch)
    if reason is NOT_YET:
        notice.release()
        outcome.busy.append(notice.pk)
    elif isinstance(reason, str):
        notice.skip(reason)
        outcome.skipped.append(notice.pk)
    else:
        # A timeout well inside the lease, so a hung server cannot let a second worker re-send.
        if connection is None:
            connection = get_connection(fail_silently=False, timeout=reminder_setting("SMTP_TIMEOUT"))
            connection.open()  # one SMTP session for the batch, not one per message
        message = reminder_message(
            notice,
            reason,
            batch.today,
            batch.units(notice.deadline.measure),
            batch.rendered,
            merge=uses_raw_mime(connection),
        )
        connection.send_messages([message])
        notice.mark_sent()
        outcome.sent.append(notice.pk)
    return connection


def _close(connection: Any) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - closing a dead connection may fail too
            pass
    return None


def _reason_not_to_send(notice: ReminderNotice, batch: _Batch) -> str | outcomes.Outcome:
    """Why this notice must not go out now (a Chinese sentence), or the eligibility outcome to explain."""
    subscription, deadline, today = notice.subscription, notice.deadline, batch.today
    if subscription is None or not subscription.is_active:
        return "订阅者已退订、未确认或已删除"
    if deadline is None or deadline.measure.is_draft:
        return "截止日期或政策措施已被删除"
    if deadline.date < today:
        return "已过截止日期"
    if due_stage(deadline.date, today) != notice.stage:
        # Only an overtaken stage is cancelled; one not yet due (a round run for a future
        # moment) goes back to wait for its day.
        return "已被更晚的提醒阶段取代" if (deadline.date - today).days < notice.stage else NOT_YET
    outcome = batch.outcome(subscription, outcomes.measure_key(deadline.measure))
    if batch.unscreenable(subscription):
        return "企业情况按现行规则无法判断(已记录日志)"
    if not _applies(outcome, deadline):
        return "按现行规则已不适用于该企业"
    return outcome


def send_confirmation(subscription_id: int) -> bool:
    """Send the double opt-in email; return False if there is nothing to confirm any more."""
    from enterprises.reminders.emails import confirmation_message

    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None or subscription.confirmed_at or subscription.unsubscribed_at:
        return False
    confirmation_message(subscription).send(fail_silently=False)
    return True


# Retention ----------------------------------------------------------------------------------


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete the contact data of subscriptions that ended more than the retention period ago."""
    now = now or timezone.now()
    last_deadline = Deadline.objects.filter(measure__is_draft=False).aggregate(last=Max("date"))["last"]
    expired = Subscription.objects.expired_for_retention(now, last_deadline)
    count = expired.count()
    # Notices keep their anonymous rows (subscription set to NULL) for officials' figures.
    expired.delete()
    return count


def as_ids(values: Iterable[Any]) -> list[int]:
    return [int(v) for v in values]
