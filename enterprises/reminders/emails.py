"""The two emails of the reminder service, each built from subject, text and HTML templates."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from enterprises.reminders import outcomes
from enterprises.reminders.models import ReminderNotice, Subscription, reminder_setting
from policies.engine import ELIGIBLE

TEMPLATE_DIR = "enterprises/subscriptions/email"


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _render(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    # A subject must be one line whatever the template's whitespace.
    subject = " ".join(render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context).split())
    text = render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context)
    html = render_to_string(f"{TEMPLATE_DIR}/{name}.html", context)
    return subject, text, html


def _build(name: str, context: dict[str, Any], to: str, headers: dict[str, str]) -> EmailMultiAlternatives:
    subject, text, html = _render(name, context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    # RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def confirmation_message(subscription: Subscription) -> EmailMultiAlternatives:
    context = {
        "subscription": subscription,
        "confirm_url": subscription.confirm_url(),
        "unsubscribe_url": subscription.unsubscribe_url(),
        "confirm_days": reminder_setting("CONFIRM_MAX_AGE_DAYS"),
        "retention_days": reminder_setting("RETENTION_DAYS"),
        "site_url": settings.SITE_URL,
    }
    return _build("confirm", context, subscription.email, _unsubscribe_headers(context["unsubscribe_url"]))


def reminder_message(
    notice: ReminderNotice,
    outcome: outcomes.Outcome,
    today: datetime.date,
    units: list,
    rendered: dict | None = None,
    *,
    merge: bool = True,
) -> EmailMultiAlternatives:
    """The reminder for a claimed notice whose subscription, deadline and measure are loaded.

    Subscribers with the same profile get the same text but for their address, Message-ID and
    unsubscribe link, so a batch passes a `rendered` dict: each (deadline, stage, profile, day)
    is rendered once, and its MIME text is built once and filled in per recipient (mail merge).
    `merge=False` builds a full email.message.Message instead: only the SMTP backend is known
    to use nothing but the bytes of message(); the console and file backends ask it for its
    charset, and a third-party backend may ask for anything.
    """
    subscription, deadline = notice.subscription, notice.deadline
    key = (deadline.pk, notice.stage, subscription.profile_digest, today)
    if rendered is None:
        rendered = {}
    if key not in rendered:
        parts = _render_reminder(notice, outcome, today, units)
        rendered[key] = (parts, _prepare_merge(*parts))
    parts, merge_data = rendered[key]
    unsubscribe_url = subscription.unsubscribe_url()
    subject, text, html = (part.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url) for part in parts)
    headers = {"Message-ID": notice.message_id, **_unsubscribe_headers(unsubscribe_url)}
    message_class = EmailMultiAlternatives
    merger = merge_data if merge else None
    merged = merger.fill(subscription.email, notice.message_id, unsubscribe_url) if merger else None
    if merged is not None:
        message_class = _MergedEmail
    message = message_class(subject, text, settings.DEFAULT_FROM_EMAIL, [subscription.email], headers=headers)
    message.attach_alternative(html, "text/html")
    if merged is not None:
        message.merged = merged
    return message


class _Merge:
    """A reminder's MIME text with placeholders for what differs between recipients."""

    TO = "to-placeholder@reminder.invalid"
    MESSAGE_ID = "<message-id-placeholder@reminder.invalid>"

    def __init__(self, data: bytes) -> None:
        self.data = data

    def fill(self, to: str, message_id: str, unsubscribe_url: str) -> bytes | None:
        if not (to.isascii() and message_id.isascii() and unsubscribe_url.isascii()):
            return None  # an address that needs encoding goes through Django's full build
        return (
            self.data.replace(self.TO.encode(), to.encode(), 1)
            .replace(self.MESSAGE_ID.encode(), message_id.encode(), 1)
            .replace(UNSUBSCRIBE_PLACEHOLDER.encode(), unsubscribe_url.encode())
        )


def uses_raw_mime(connection: Any) -> bool:
    """Whether a mail backend only needs message().as_bytes(): Django's SMTP backend (and its
    subclasses), which sends exactly those bytes."""
    from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

    return isinstance(connection, SmtpBackend)


def _prepare_merge(subject: str, text: str, html: str) -> _Merge | None:
    """Build the MIME text once with placeholders; None if a placeholder did not survive the
    encoding verbatim (e.g. a body with over-long lines goes quoted-printable), in which case
    every message of the group is built in full."""
    headers = {"Message-ID": _Merge.MESSAGE_ID, **_unsubscribe_headers(UNSUBSCRIBE_PLACEHOLDER)}
    template = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [_Merge.TO], headers=headers
    )
    template.attach_alternative(html, "text/html")
    data = template.message().as_bytes(linesep="\r\n")
    expected = 1 + text.count(UNSUBSCRIBE_PLACEHOLDER) + html.count(UNSUBSCRIBE_PLACEHOLDER)
    if (
        data.count(UNSUBSCRIBE_PLACEHOLDER.encode()) != expected
        or data.count(_Merge.TO.encode()) != 1
        or data.count(_Merge.MESSAGE_ID.encode()) != 1
    ):
        return None
    return _Merge(data)


class _MergedEmail(EmailMultiAlternatives):
    """An email whose MIME text was filled in from its group's prepared text.

    Its subject, body, alternatives and headers are set as usual (what tests and the locmem
    backend read); only message(), which backends call to get the bytes to send, is served from
    the prepared text instead of encoding every header and part again for each recipient.
    """

    merged: bytes = b""

    def message(self) -> _RawMIME:  # type: ignore[override]
        return _RawMIME(self.merged)


class _RawMIME:
    """The part of email.message.Message's interface that Django's mail backends use."""

    def __init__(self, data: bytes) -> None:
        self.data = data  # CRLF line endings, as SMTP wants them

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.data if linesep == "\r\n" else self.data.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode()


UNSUBSCRIBE_PLACEHOLDER = "__UNSUBSCRIBE_URL__"


def _render_reminder(
    notice: ReminderNotice, outcome: outcomes.Outcome, today: datetime.date, units: list
) -> tuple[str, str, str]:
    deadline = notice.deadline
    measure = deadline.measure
    # A deadline whose condition depends on facts the enterprise has not given (e.g. the
    # micro-enterprise date while the size is unknown) is sent with a note to check it.
    condition_open = outcome.deadline_applies(deadline.date, deadline.label) is None
    context = {
        "measure": measure,
        "deadline": deadline,
        "days_left": (deadline.date - today).days,
        "outcome": outcome,
        "eligible": outcome.status == ELIGIBLE,
        "reasons": outcome.reasons,
        "missing": [outcomes.field_label(name) for name in outcome.missing],
        "condition_open": condition_open,
        "units": units,
        "measure_url": _site(measure.get_absolute_url()),
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "site_url": settings.SITE_URL,
    }
    return _render("reminder", context)
