"""Enterprise accounts: registering, keeping receipts and the profile, rule-change news, export, deletion.

The views in views_accounts.py stay thin; everything an account does to its data is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from policies.engine import ProfileError

from . import screening
from .impact import StatusChange
from .models import AccountReceipt, EnterpriseAccount, Receipt, Subscription
from .models.accounts import account_of
from .models.reminders import normalize_email

EXPORT_VERSION = 1


@transaction.atomic
def register(email: str, password: str, uscc: str, name: str = "") -> EnterpriseAccount:
    """Create the user (username = normalised email) and its enterprise account."""
    email = normalize_email(email)
    user = User.objects.create_user(username=email, email=email, password=password)
    return EnterpriseAccount.objects.create(user=user, uscc=uscc, name=name)


def keep_receipt(account: EnterpriseAccount, receipt: Receipt) -> bool:
    """Link a receipt to the account and make its answers the saved profile.

    False when the receipt is already another account's: a receipt belongs to one enterprise,
    and knowing its link is not a reason to make it someone else's.
    """
    link, created = AccountReceipt.objects.get_or_create(receipt=receipt, defaults={"account": account})
    if link.account_id != account.pk:
        return False
    latest = account.latest_receipt()
    if latest is None or latest.pk == receipt.pk:
        account.profile = dict(receipt.profile)
        account.profile_updated_at = timezone.now()
        account.save(update_fields=["profile", "profile_updated_at"])
    return True


def keep_for_request(request: HttpRequest, receipt: Receipt) -> None:
    """Called by the self-check after it saves a receipt: a signed-in enterprise keeps it."""
    account = account_of(getattr(request, "user", None))
    if account is not None:
        keep_receipt(account, receipt)


def rerun(account: EnterpriseAccount) -> Receipt | None:
    """Screen the saved profile again with the published rules, as a new receipt it keeps."""
    if not account.profile:
        return None
    receipt = screening.save_receipt(dict(account.profile))
    keep_receipt(account, receipt)
    return receipt


# --- what changed since the latest receipt ---------------------------------------------------


@dataclass(frozen=True)
class Change:
    measure: int
    title: str
    before: str
    after: str

    @property
    def direction(self) -> str:
        return StatusChange(self.measure, self.before, self.after).direction

    @property
    def before_label(self) -> str:
        return StatusChange(self.measure, self.before, self.after).before_label

    @property
    def after_label(self) -> str:
        return StatusChange(self.measure, self.before, self.after).after_label


@dataclass
class RuleNews:
    receipt: Receipt
    gains: list[Change]
    losses: list[Change]
    others: list[Change]

    @property
    def any(self) -> bool:
        return bool(self.gains or self.losses or self.others)


def rule_news(account: EnterpriseAccount) -> RuleNews | None:
    """What the published rules now say differently about the latest receipt's profile.

    None when there is no receipt or it was computed with the rules in force (nothing to
    compare). The fresh screening uses the receipt's own profile and evaluation date, so only
    the rules differ.
    """
    latest = account.latest_receipt()
    if latest is None:
        return None
    ruleset, version = screening.current_rules()
    if latest.rules_version == version:
        return None
    try:
        fresh = screening.run(dict(latest.profile), ruleset)
    except ProfileError:  # a stored profile the contract no longer accepts cannot be compared
        return None
    old = {r["measure"]: (r["status"], r.get("title", "")) for r in latest.answer.get("results", [])}
    new = {r.measure: (r.status, r.title) for r in fresh.results}
    news = RuleNews(latest, [], [], [])
    for number in sorted(set(old) | set(new)):
        before, old_title = old.get(number, ("absent", ""))
        after, new_title = new.get(number, ("absent", ""))
        if before == after:
            continue
        change = Change(number, new_title or old_title, before, after)
        {"gain": news.gains, "loss": news.losses, "other": news.others}[change.direction].append(change)
    return news


# --- export and deletion ---------------------------------------------------------------------


def export_data(account: EnterpriseAccount) -> dict[str, Any]:
    """Everything the portal holds about the account, as one JSON-ready document."""
    user = account.user
    subscriptions = Subscription.objects.filter(email__iexact=normalize_email(user.email)).order_by("id")
    return {
        "format": "huiqi-account-export",
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "uscc": account.uscc,
            "name": account.name,
            "created_at": account.created_at.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "rule_news_email": account.rule_news_email,
        },
        "profile": account.profile,
        "profile_updated_at": account.profile_updated_at.isoformat() if account.profile_updated_at else None,
        "receipts": [
            {
                "token": str(r.token),
                "url": r.get_absolute_url(),
                "as_of": r.as_of.isoformat(),
                "rules_version": r.rules_version,
                "created_at": r.created_at.isoformat(),
                "profile": r.profile,
                "answer": r.answer,
            }
            for r in account.receipts()
        ],
        "subscriptions": [
            {
                "email": s.email,
                "profile": s.profile,
                "status": s.status_label(),
                "created_at": s.created_at.isoformat(),
                "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
                "unsubscribed_at": s.unsubscribed_at.isoformat() if s.unsubscribed_at else None,
            }
            for s in subscriptions
        ],
    }


@transaction.atomic
def delete_everything(account: EnterpriseAccount) -> dict[str, int]:
    """Delete the account, its saved profile, the receipts it kept and its email's subscriptions."""
    user = account.user
    receipts = Receipt.objects.filter(account_link__account=account)
    counts = {
        "receipts": receipts.count(),
        "subscriptions": Subscription.objects.filter(email__iexact=normalize_email(user.email)).count(),
    }
    # Receipt deletion cascades to the links; the subscriptions' notices keep their anonymous
    # figures (their foreign key is SET_NULL).
    receipts.delete()
    Subscription.objects.filter(email__iexact=normalize_email(user.email)).delete()
    account.delete()
    user.delete()
    return counts


# --- rule-change notification emails (optional, per account) ---------------------------------

EMAIL_DIR = "enterprises/accounts/email"


def rule_news_message(account: EnterpriseAccount, news: RuleNews) -> EmailMultiAlternatives:
    context = {
        "account": account,
        "news": news,
        "account_url": settings.SITE_URL.rstrip("/") + reverse("accounts:home"),
    }
    subject = " ".join(render_to_string(f"{EMAIL_DIR}/rule_news_subject.txt", context).split())
    text = render_to_string(f"{EMAIL_DIR}/rule_news.txt", context)
    html = render_to_string(f"{EMAIL_DIR}/rule_news.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [account.email], headers={"Auto-Submitted": "auto-generated"}
    )
    message.attach_alternative(html, "text/html")
    return message


def notify_rule_changes() -> int:
    """Email each opted-in account whose latest result the published rules now change; once per version.

    The version is claimed with a conditional update before sending, so two runs at once never
    send the same account the same news twice.
    """
    _, version = screening.current_rules()
    sent = 0
    candidates = (
        EnterpriseAccount.objects.filter(rule_news_email=True, user__is_active=True, receipt_links__isnull=False)
        .exclude(news_sent_for=version)
        .select_related("user")
        .distinct()
    )
    for account in candidates.iterator(chunk_size=200):
        news = rule_news(account)
        if news is None or not news.any:
            continue
        claimed = (
            EnterpriseAccount.objects.filter(pk=account.pk)
            .exclude(news_sent_for=version)
            .update(news_sent_for=version)
        )
        if claimed:
            rule_news_message(account, news).send()
            sent += 1
    return sent
