"""Deadline reminders: an email subscription and the ledger of notices sent to it.

A subscription stores only what reminders need: one email address (personal information,
held on consent) and the enterprise profile the reminders are evaluated against (enterprise
data, not personal information). Nothing is sent but the confirmation email until the address
is confirmed (double opt-in); every reminder carries a signed one-click unsubscribe link.

Exactly-once sending rests on `ReminderNotice`: one row per (subscription, deadline, stage),
created before anything is sent and claimed with a conditional update (PENDING -> SENDING with
a lease -> SENT), so two workers, a redelivered task or a re-run round never send it twice.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

# The version of the privacy notice shown next to the consent box and on the confirmation
# page (templates/enterprises/subscriptions/_privacy_notice.html). Bump it whenever that text
# changes, so each subscription records which wording its holder agreed to.
CONSENT_VERSION = "2022-04-v1"

STAGES: tuple[int, ...] = (30, 7, 1)  # days before a deadline, earliest first

CONFIRM_SALT = "enterprises.subscription.confirm"
UNSUBSCRIBE_SALT = "enterprises.subscription.unsubscribe"


def reminder_setting(name: str) -> Any:
    """Read a REMINDER_* setting; each is declared once, with its default, in portal/settings.py."""
    return getattr(settings, f"REMINDER_{name}")


def normalize_email(email: str) -> str:
    """Trim and lower-case an address so that the same mailbox is one subscription."""
    return email.strip().lower()


def profile_digest(profile: dict) -> str:
    """A stable fingerprint of a profile, so re-subscribing the same one changes nothing."""
    canonical = json.dumps(profile, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _email_tag(email: str) -> str:
    # Binds a token to the address it was issued for without putting the address in the link.
    return hashlib.sha256(email.encode()).hexdigest()[:12]


class LinkError(Exception):
    """A confirmation or unsubscribe link that cannot be used; `message` is shown to the user."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind  # "invalid", "expired" or "gone"
        self.message = message
        super().__init__(message)


class SubscriptionQuerySet(models.QuerySet):
    def active(self) -> SubscriptionQuerySet:
        """Confirmed and not unsubscribed: the only subscriptions that get reminders."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def expired_for_retention(
        self, now: datetime.datetime, last_deadline: datetime.date | None
    ) -> SubscriptionQuerySet:
        """Subscriptions whose contact data is due for deletion at `now`.

        A subscription ends when it is withdrawn, when its confirmation link lapses unused, or
        when the last deadline in the catalogue has passed; its data is kept for
        REMINDER_RETENTION_DAYS after that (proof of consent and of withdrawal), then deleted.
        """
        retention = datetime.timedelta(days=reminder_setting("RETENTION_DAYS"))
        unconfirmed_lapse = datetime.timedelta(days=reminder_setting("CONFIRM_MAX_AGE_DAYS"))
        ended = Q(unsubscribed_at__lt=now - retention) | Q(
            confirmed_at__isnull=True, created_at__lt=now - unconfirmed_lapse - retention
        )
        if last_deadline is not None and last_deadline < (now - retention).date():
            ended |= Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
        return self.filter(ended)


class Subscription(models.Model):
    email = models.EmailField("电子邮箱", max_length=254, help_text="接收提醒的邮箱,例如:caiwu@example.com")
    profile = models.JSONField(
        "企业情况",
        default=dict,
        help_text="自测时填写的企业情况(不含个人信息),发送前据此按当时有效的规则重新判断是否适用。",
    )
    profile_digest = models.CharField("企业情况摘要", max_length=64, editable=False)
    consent_version = models.CharField(
        "告知文本版本", max_length=20, help_text=f"订阅者同意的个人信息告知版本,例如:{CONSENT_VERSION}"
    )
    consent_given_at = models.DateTimeField("同意时间", null=True, blank=True)
    confirmation_sent_at = models.DateTimeField("确认邮件发送时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    unsubscribed_at = models.DateTimeField("退订时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = "截止日期提醒订阅"
        verbose_name_plural = "截止日期提醒订阅"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "profile_digest"], name="one_subscription_per_email_and_profile"
            ),
        ]

    def __str__(self) -> str:
        return f"订阅 #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    def status_label(self) -> str:
        if self.unsubscribed_at:
            return "已退订"
        if self.confirmed_at:
            return "已确认"
        return "待确认"

    # Signed links -----------------------------------------------------------------------

    def _token(self, salt: str) -> str:
        return signing.dumps({"s": self.pk, "e": _email_tag(self.email)}, salt=salt, compress=True)

    def confirm_token(self) -> str:
        return self._token(CONFIRM_SALT)

    def unsubscribe_token(self) -> str:
        return self._token(UNSUBSCRIBE_SALT)

    def confirm_url(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse(
            "enterprises:subscription_confirm", args=[self.confirm_token()]
        )

    def unsubscribe_url(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse(
            "enterprises:subscription_unsubscribe", args=[self.unsubscribe_token()]
        )

    @classmethod
    def from_token(cls, token: str, *, purpose: str) -> tuple[Subscription | None, datetime.datetime]:
        """Return the subscription a link points to and when the link was signed.

        `purpose` is "confirm" or "unsubscribe". Raises LinkError for a tampered or expired
        link; returns None for a well-signed link whose subscription has since been deleted.
        """
        if purpose == "confirm":
            salt, max_age = CONFIRM_SALT, datetime.timedelta(days=reminder_setting("CONFIRM_MAX_AGE_DAYS"))
        else:
            salt = UNSUBSCRIBE_SALT
            max_age = datetime.timedelta(days=reminder_setting("UNSUBSCRIBE_MAX_AGE_DAYS"))
        try:
            payload = signing.loads(token, salt=salt, max_age=max_age)
            signed_at = datetime.datetime.fromtimestamp(
                signing.b62_decode(token.rsplit(":", 2)[-2]), tz=datetime.UTC
            )
        except signing.SignatureExpired as exc:
            raise LinkError("expired", "链接已过期。") from exc
        except (signing.BadSignature, ValueError, TypeError) as exc:
            raise LinkError("invalid", "链接无效或已被修改。") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
            raise LinkError("invalid", "链接无效或已被修改。")
        subscription = cls.objects.filter(pk=payload["s"]).first()
        if subscription is None or _email_tag(subscription.email) != payload.get("e"):
            return None, signed_at
        return subscription, signed_at

    # State changes ----------------------------------------------------------------------

    def confirm(self, now: datetime.datetime | None = None) -> bool:
        """Confirm the address (double opt-in); return False if it was already confirmed."""
        now = now or timezone.now()
        if self.confirmed_at and not self.unsubscribed_at:
            return False
        self.confirmed_at = now
        self.unsubscribed_at = None
        # The confirmation page repeats the privacy notice; confirming is the consent for
        # subscriptions made through the API, where no consent box was shown.
        if self.consent_given_at is None:
            self.consent_given_at = now
            self.consent_version = CONSENT_VERSION
        self.save(update_fields=["confirmed_at", "unsubscribed_at", "consent_given_at", "consent_version"])
        return True

    def unsubscribe(self, now: datetime.datetime | None = None) -> bool:
        """Withdraw consent; return False if it was already withdrawn."""
        if self.unsubscribed_at:
            return False
        self.unsubscribed_at = now or timezone.now()
        self.save(update_fields=["unsubscribed_at"])
        # Nothing queued may go out after withdrawal; the send task re-checks as well.
        self.notices.filter(status=ReminderNotice.Status.PENDING).update(
            status=ReminderNotice.Status.SKIPPED, detail="订阅者已退订"
        )
        return True


class ReminderNoticeQuerySet(models.QuerySet):
    def claim(self, ids: list[int]) -> list[int]:
        """Take these notices for sending; return the ids this caller won.

        Each row moves PENDING (or SENDING with an expired lease) -> SENDING with a fresh lease
        and one more attempt, in one conditional UPDATE: the database lets exactly one of two
        concurrent callers change a row (PostgreSQL re-checks the condition on a row another
        transaction just changed; SQLite writes one at a time), so only one worker ever holds
        a notice. Raw SQL for RETURNING, which the ORM's update() lacks: one round trip and one
        commit for a whole batch (PostgreSQL, and SQLite 3.35 or newer).
        """
        ids = [int(pk) for pk in ids]
        if not ids:
            return []
        now = timezone.now()
        lease = datetime.timedelta(seconds=reminder_setting("LEASE_SECONDS"))
        ops = connection.ops
        Status = ReminderNotice.Status
        sql = (
            f"UPDATE {ReminderNotice._meta.db_table} "
            "SET status = %s, lease_until = %s, attempts = attempts + 1 "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) "
            "AND (status = %s OR (status = %s AND lease_until < %s)) RETURNING id"
        )
        params = [
            Status.SENDING,
            ops.adapt_datetimefield_value(now + lease),
            *ids,
            Status.PENDING,
            Status.SENDING,
            ops.adapt_datetimefield_value(now),
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return sorted(row[0] for row in cursor.fetchall())

    def create_for(self, deadline: Any, stage: int, digests: list[str]) -> int:
        """Create a PENDING notice of `deadline` at `stage` for every active subscription with
        one of these profile digests; return how many were new.

        One INSERT ... SELECT, because 100,000 notices through bulk_create() take Django tens of
        seconds. The unique key (subscription, deadline, stage) turns a re-run or a concurrent
        round into a no-op for every notice that already exists, whatever its status.
        """
        if not digests:
            return 0
        notice, subscription = ReminderNotice._meta.db_table, Subscription._meta.db_table
        ops = connection.ops
        sql = (
            f"INSERT INTO {notice} (subscription_id, deadline_id, stage, measure_number, measure_title, "
            "deadline_date, status, attempts, detail, created_at) "
            f"SELECT s.id, %s, %s, %s, %s, %s, %s, 0, '', %s FROM {subscription} s "
            "WHERE s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL "
            f"AND s.profile_digest IN ({', '.join(['%s'] * len(digests))}) "
            "ON CONFLICT DO NOTHING"
        )
        params = [
            deadline.pk,
            stage,
            deadline.measure.number,
            deadline.measure.title[:120],
            ops.adapt_datefield_value(deadline.date),
            ReminderNotice.Status.PENDING,
            ops.adapt_datetimefield_value(timezone.now()),
            *digests,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(cursor.rowcount, 0)

    def needing_requeue(self, now: datetime.datetime) -> ReminderNoticeQuerySet:
        """Notices a sweeper must hand to a worker again.

        PENDING rows whose task was never queued or may have been lost (queued longer ago than
        REMINDER_REQUEUE_AFTER_SECONDS), and SENDING rows whose worker died (lease expired).
        """
        stale = now - datetime.timedelta(seconds=reminder_setting("REQUEUE_AFTER_SECONDS"))
        pending = Q(status=ReminderNotice.Status.PENDING) & (
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale)
        )
        abandoned = Q(status=ReminderNotice.Status.SENDING, lease_until__lt=now)
        return self.filter(pending | abandoned)


class ReminderNotice(models.Model):
    """One reminder for one deadline at one stage to one subscription: the exactly-once ledger."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        SKIPPED = "skipped", "已取消"

    STAGE_CHOICES = [(days, f"截止前{days}天") for days in STAGES]

    subscription = models.ForeignKey(
        Subscription,
        verbose_name="订阅",
        null=True,
        # Deleting contact data at the end of retention keeps the anonymous notice rows, so
        # officials' figures of sent and failed notices survive.
        on_delete=models.SET_NULL,
        related_name="notices",
    )
    deadline = models.ForeignKey(
        "policies.Deadline",
        verbose_name="截止日期",
        null=True,
        on_delete=models.SET_NULL,
        related_name="reminder_notices",
    )
    stage = models.PositiveSmallIntegerField("提醒阶段", choices=STAGE_CHOICES)
    # Snapshots, so the admin still reads well after a deadline is edited or deleted.
    measure_number = models.PositiveIntegerField("条款序号")
    measure_title = models.CharField("措施标题", max_length=120)
    deadline_date = models.DateField("截止日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    lease_until = models.DateTimeField("占用至", null=True, blank=True)
    enqueued_at = models.DateTimeField("入队时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    detail = models.TextField("说明", blank=True, help_text="失败原因或取消原因,例如:邮件服务器暂时不可用")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ReminderNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "提醒邮件"
        verbose_name_plural = "提醒邮件"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "deadline", "stage"],
                name="one_notice_per_subscription_deadline_stage",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "enqueued_at"], name="notice_status_enqueued"),
            models.Index(fields=["status", "lease_until"], name="notice_status_lease"),
        ]

    def __str__(self) -> str:
        return f"第{self.measure_number}条 {self.deadline_date:%Y-%m-%d} 截止前{self.stage}天"

    @property
    def message_id(self) -> str:
        """The Message-ID of this notice's email: the same on every attempt, so a mail system
        that deduplicates by it delivers a resent notice once."""
        domain = (
            reminder_setting("MESSAGE_ID_DOMAIN")
            or settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0]
        )
        return f"<reminder-{self.pk}@{domain or 'localhost'}>"

    # The ledger's transitions, each a conditional UPDATE so concurrent workers cannot both win.

    def claim(self) -> bool:
        """Take this notice for sending (see ReminderNoticeQuerySet.claim)."""
        won = bool(ReminderNotice.objects.claim([self.pk]))
        if won:
            self.refresh_from_db(fields=["status", "lease_until", "attempts"])
        return won

    def mark_sent(self) -> None:
        """Record that the mail server accepted this notice.

        Called right after the server's "250 OK": a worker that dies between the two makes the
        notice go out again (with the same Message-ID), so this commit must be quick. On
        PostgreSQL it does not wait for the disk flush (synchronous_commit off, for this one
        transaction): the row is visible to every other worker at once and survives any worker
        crash; only a crash of the database server itself within a fraction of a second could
        lose the mark, and then the notice is resent with the same Message-ID, exactly as in
        the gap this closes.
        """
        now = timezone.now()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            ReminderNotice.objects.filter(pk=self.pk, status=self.Status.SENDING).update(
                status=self.Status.SENT, sent_at=now, lease_until=None, detail=""
            )
        self.status, self.sent_at, self.lease_until = self.Status.SENT, now, None

    def mark_failed(self, error: str, *, transient: bool, today: datetime.date) -> bool:
        """Record a failed attempt; return True if the notice will be retried.

        A transient failure (the mail server down, unreachable or answering 4xx) is retried for
        as long as the notice is still useful: up to and including its deadline, however many
        attempts that takes, so an outage of hours loses nothing. Any other failure (a 5xx
        answer, a bug) is retried REMINDER_MAX_ATTEMPTS times in all.
        """
        if transient:
            retry = self.deadline_date >= today
        else:
            retry = self.attempts < reminder_setting("MAX_ATTEMPTS")
        self.status = self.Status.PENDING if retry else self.Status.FAILED
        if not retry and transient:
            error = f"截止日期前邮件服务器一直不可用,已停止重试。最后一次错误:{error}"
        # A retry is queued (by the task) now: enqueued_at tells the sweeper the notice is not lost.
        ReminderNotice.objects.filter(pk=self.pk, status=self.Status.SENDING).update(
            status=self.status,
            lease_until=None,
            detail=error[:2000],
            **({"enqueued_at": timezone.now()} if retry else {}),
        )
        return retry

    def release(self, *, requeued: bool = False, reason: str = "") -> None:
        """Give a claimed notice back untouched (not due yet, or no time left in the lease);
        the attempt does not count. `requeued`: the caller queues a retry for it right away;
        `reason`: why it waits (shown to staff), e.g. the mail error that stopped its batch."""
        extra: dict[str, Any] = {"enqueued_at": timezone.now()} if requeued else {}
        if reason:
            extra["detail"] = reason[:2000]
        ReminderNotice.objects.filter(pk=self.pk, status=self.Status.SENDING).update(
            status=self.Status.PENDING, lease_until=None, attempts=F("attempts") - 1, **extra
        )
        self.status = self.Status.PENDING

    def skip(self, reason: str) -> None:
        """Cancel a notice that must not go out (unsubscribed, no longer eligible, overtaken)."""
        ReminderNotice.objects.filter(
            pk=self.pk, status__in=[self.Status.PENDING, self.Status.SENDING]
        ).update(status=self.Status.SKIPPED, lease_until=None, detail=reason)
        self.status = self.Status.SKIPPED
