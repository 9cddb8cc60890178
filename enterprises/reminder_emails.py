"""The two emails of the reminder service, each built from subject, text and HTML templates."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from . import eligibility
from .models.reminders import ReminderNotice, Subscription, reminder_setting

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
        "confirm_days": reminder_setting("CONFIRM_MAX_AGE_DAYS", 7),
        "retention_days": reminder_setting("RETENTION_DAYS", 180),
        "site_url": settings.SITE_URL,
    }
    return _build("confirm", context, subscription.email, _unsubscribe_headers(context["unsubscribe_url"]))


def reminder_message(
    notice: ReminderNotice,
    outcome: eligibility.Outcome,
    today: datetime.date,
    units: list,
    rendered: dict | None = None,
) -> EmailMultiAlternatives:
    """The reminder for a claimed notice whose subscription, deadline and measure are loaded.

    Subscribers with the same profile get the same text but for their unsubscribe link, so a
    batch passes a `rendered` dict to render each (deadline, stage, profile, day) once.
    """
    subscription, deadline = notice.subscription, notice.deadline
    key = (deadline.pk, notice.stage, subscription.profile_digest, today)
    if rendered is None or key not in rendered:
        parts = _render_reminder(notice, outcome, today, units)
        if rendered is None:
            rendered = {}
        rendered[key] = parts
    unsubscribe_url = subscription.unsubscribe_url()
    subject, text, html = (part.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url) for part in rendered[key])
    headers = {"Message-ID": notice.message_id, **_unsubscribe_headers(unsubscribe_url)}
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [subscription.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


UNSUBSCRIBE_PLACEHOLDER = "__UNSUBSCRIBE_URL__"


def _render_reminder(
    notice: ReminderNotice, outcome: eligibility.Outcome, today: datetime.date, units: list
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
        "eligible": outcome.status == "eligible",
        "reasons": outcome.reasons,
        "missing": [eligibility.field_label(name) for name in outcome.missing],
        "condition_open": condition_open,
        "units": units,
        "measure_url": _site(measure.get_absolute_url()),
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "site_url": settings.SITE_URL,
    }
    return _render("reminder", context)
