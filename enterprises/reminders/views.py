"""Pages of the reminder subscription: subscribe (POST from the result page), confirm, unsubscribe.

Confirm and unsubscribe links work without login: the signed token in the path is the proof.
Mail security scanners open links in incoming mail, so a GET only shows a page with a button;
the change happens on POST (for unsubscribe, a page opened more than a few minutes after the
link was signed submits itself, as healthchecks does). Mail clients' one-click unsubscribe
(RFC 8058) POSTs to the same link without a CSRF token, so that view is exempt.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from enterprises.reminders.forms import SubscribeForm
from enterprises.reminders.models import CONSENT_VERSION, LinkError, Subscription, reminder_setting
from enterprises.reminders.planning import subscribe as subscribe_service
from enterprises.reminders.planning import upcoming_reminders

TEMPLATES = "enterprises/subscriptions"


def _notice_context() -> dict:
    return {
        "consent_version": CONSENT_VERSION,
        "retention_days": reminder_setting("RETENTION_DAYS"),
        "confirm_days": reminder_setting("CONFIRM_MAX_AGE_DAYS"),
    }


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """Subscribe an email address to the deadlines of a self-check's profile (double opt-in)."""
    if request.method == "GET":
        return render(request, f"{TEMPLATES}/subscribe.html", {"form": SubscribeForm(), **_notice_context()})
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, f"{TEMPLATES}/subscribe.html", {"form": form, **_notice_context()}, status=400)
    subscribe_service(form.cleaned_data["email"], form.cleaned_data["clean_profile"], consent_given=True)
    return redirect("enterprises:subscribe_done")


def subscribe_done(request: HttpRequest) -> HttpResponse:
    # The same page whatever the address's state, so the form does not reveal who subscribed.
    return render(request, f"{TEMPLATES}/subscribe_done.html", _notice_context())


def _link_error(request: HttpRequest, error: LinkError, purpose: str) -> HttpResponse:
    status = 410 if error.kind == "expired" else 400
    return render(
        request,
        f"{TEMPLATES}/link_error.html",
        {"error": error, "purpose": purpose, **_notice_context()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Show the confirmation page (GET); confirm the subscription (POST)."""
    try:
        subscription, _signed_at = Subscription.from_token(token, purpose="confirm")
    except LinkError as error:
        return _link_error(request, error, "confirm")
    if subscription is None:
        return _link_error(
            request, LinkError("gone", "这个订阅已不存在(可能已退订并被删除),请重新订阅。"), "confirm"
        )
    context = {"subscription": subscription, "token": token, **_notice_context()}
    if subscription.unsubscribed_at:
        return render(request, f"{TEMPLATES}/confirm.html", {**context, "state": "unsubscribed"}, status=409)
    if request.method == "POST":
        subscription.confirm()
        upcoming = upcoming_reminders(subscription.profile, timezone.localdate())
        return render(
            request, f"{TEMPLATES}/confirm.html", {**context, "state": "confirmed", "upcoming": upcoming}
        )
    state = "already" if subscription.confirmed_at else "ask"
    return render(request, f"{TEMPLATES}/confirm.html", {**context, "state": state})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Show the unsubscribe page (GET); unsubscribe (POST, including RFC 8058 one-click)."""
    try:
        subscription, signed_at = Subscription.from_token(token, purpose="unsubscribe")
    except LinkError as error:
        return _link_error(request, error, "unsubscribe")
    context = {"token": token, **_notice_context()}
    if subscription is None:
        # The data is already gone: the wish not to be contacted is fulfilled.
        return render(request, f"{TEMPLATES}/unsubscribe.html", {**context, "state": "done"})
    if request.method == "POST":
        subscription.unsubscribe()
        return render(request, f"{TEMPLATES}/unsubscribe.html", {**context, "state": "done"})
    if subscription.unsubscribed_at:
        return render(request, f"{TEMPLATES}/unsubscribe.html", {**context, "state": "done"})
    # Scanners open links right after delivery; a person usually comes later.
    autosubmit = timezone.now() - signed_at > datetime.timedelta(minutes=5)
    return render(
        request, f"{TEMPLATES}/unsubscribe.html", {**context, "state": "ask", "autosubmit": autosubmit}
    )
