"""`{% reminder_subscribe_form %}`: the reminder subscription form for a self-check result page."""

from __future__ import annotations

import json
from typing import Any

from django import template

from enterprises.reminders.models import CONSENT_VERSION, reminder_setting

register = template.Library()


@register.inclusion_tag("enterprises/subscriptions/_subscribe_form.html", takes_context=True)
def reminder_subscribe_form(
    context: template.Context, profile: dict | None = None, receipt: Any = None
) -> dict:
    """Render the form with the profile (a dict, sent as JSON) or a receipt token.

    Usage: {% load reminder_tags %}{% reminder_subscribe_form profile=profile %}
    or {% reminder_subscribe_form receipt=receipt.token %}.
    """
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "profile_json": json.dumps(profile, ensure_ascii=False) if profile is not None else "",
        "receipt_token": str(receipt) if receipt else "",
        "consent_version": CONSENT_VERSION,
        "retention_days": reminder_setting("RETENTION_DAYS"),
        "confirm_days": reminder_setting("CONFIRM_MAX_AGE_DAYS"),
    }
