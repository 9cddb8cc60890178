"""Auditing only: sign-ins, sign-outs, failed sign-ins and lockouts become audit entries."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

import audit


@receiver(user_logged_in, dispatch_uid="audit_login")
def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit.record(request, audit.LOGIN, user=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(request, audit.LOGOUT, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def on_login_failed(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the username is kept.
    username = str(credentials.get("username") or credentials.get("email") or "")
    locked = bool(getattr(request, "axes_locked_out", False))
    audit.record(request, audit.LOGIN_FAILED, {"locked_out": locked} if locked else {}, username=username)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    # Axes sends this when the limit is reached and again for each attempt during the lockout.
    audit.record(request, audit.LOCKED_OUT, username=username or "")
