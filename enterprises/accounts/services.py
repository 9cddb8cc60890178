"""Enterprise accounts: registering, keeping receipts and the profile, rule-change news, export, deletion.

The views in views.py stay thin; everything an account does to its data is here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from enterprises.accounts.models import AccountReceipt, EnterpriseAccount, account_of
from enterprises.reminders.models import Subscription, normalize_email
from enterprises.selfcheck.models import Receipt
from enterprises.selfcheck.receipts import save_receipt
from policies import screening
from policies.engine import ProfileError
from policies.screening import StatusChange

EXPORT_VERSION = 1


VERIFY_SALT = "enterprises.accounts.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600  # seconds a verification link stays valid


@dataclass(frozen=True)
class Registration:
    """What a registration did; the page shows the same generic text whatever happened."""

    account: EnterpriseAccount | None
    outcome: str  # "created", "email_taken", "uscc_taken"


@transaction.atomic
def register(
    email: str,
    password: str,
    uscc: str,
    name: str = "",
    profile: dict | None = None,
    receipt: Receipt | None = None,
    rule_news_email: bool = False,
) -> Registration:
    """Create an inactive account and email its verification link, or tell the mailbox why not.

    The answer on the page never says whether the email or the 统一社会信用代码 is taken (that
    would let anyone probe who has an account); the mailbox owner learns it from the email.
    An account stays inactive, cannot sign in and is linked to nothing until the link is used.
    A pending (never verified) registration of the same email or code is replaced, so nobody
    can squat an address or a code they cannot verify. ``receipt`` (the result the enterprise
    registered from) travels in the signed verification link and is kept on verification, which
    may happen in another browser.
    """
    email = normalize_email(email)
    for pending in EnterpriseAccount.objects.filter(
        email_verified_at__isnull=True, user__is_active=False
    ).filter(models.Q(user__username__iexact=email) | models.Q(uscc=uscc)):
        pending.user.delete()  # cascades to the account row
    if User.objects.filter(models.Q(username__iexact=email) | models.Q(email__iexact=email)).exists():
        _send(
            email,
            "already_registered",
            {
                "login_url": _absolute(reverse("accounts:login")),
                "reset_url": _absolute(reverse("accounts:password_reset")),
            },
        )
        return Registration(None, "email_taken")
    if EnterpriseAccount.objects.filter(uscc=uscc).exists():
        _send(email, "uscc_taken", {"uscc": uscc})
        return Registration(None, "uscc_taken")
    user = User.objects.create_user(username=email, email=email, password=password, is_active=False)
    account = EnterpriseAccount.objects.create(
        user=user,
        uscc=uscc,
        name=name,
        profile=profile or {},
        profile_updated_at=timezone.now() if profile else None,
        rule_news_email=rule_news_email,
    )
    token = verification_token(account, receipt)
    _send(
        email,
        "verify",
        {"verify_url": _absolute(reverse("accounts:verify", args=[token])), "hours": VERIFY_MAX_AGE // 3600},
    )
    return Registration(account, "created")


def verification_token(account: EnterpriseAccount, receipt: Receipt | None = None) -> str:
    """The signed token of an account's verification link (user id and email, timestamped; the
    token of the result registered from, if any)."""
    data = {"u": account.user_id, "e": account.user.email}
    if receipt is not None:
        data["r"] = str(receipt.token)
    return signing.dumps(data, salt=VERIFY_SALT)


def verify(token: str, password: str) -> EnterpriseAccount | None:
    """Activate the account a verification link names; None for a bad, expired or used link.

    The registration's password is asked for too: the link proves the mailbox, the password
    proves the registrant. Otherwise whoever registered someone else's address would get the
    account the moment its owner clicked the unexpected link.
    """
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    with transaction.atomic():
        account = (
            EnterpriseAccount.objects.select_for_update()
            .select_related("user")
            .filter(user_id=data.get("u"), user__email=data.get("e"), email_verified_at__isnull=True)
            .first()
        )
        if account is None or not account.user.check_password(password):
            return None
        account.email_verified_at = timezone.now()
        account.save(update_fields=["email_verified_at"])
        account.user.is_active = True
        account.user.save(update_fields=["is_active"])
        kept = Receipt.objects.filter(token=data["r"]).first() if _is_uuid(data.get("r")) else None
        if kept is not None:
            keep_receipt(account, kept)  # refused (False) when another account already has it
    return account


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(email: str, template: str, context: dict[str, Any]) -> None:
    subject = " ".join(render_to_string(f"{EMAIL_DIR}/{template}_subject.txt", context).split())
    text = render_to_string(f"{EMAIL_DIR}/{template}.txt", context)
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [email], headers={"Auto-Submitted": "auto-generated"}
    )
    transaction.on_commit(message.send)


def linked_subscriptions(account: EnterpriseAccount) -> models.QuerySet[Subscription]:
    """The reminder subscriptions an account may see and delete.

    Only those of its verified address made since the address was verified: a subscription
    proves a mailbox, not an account, so nothing older is handed to whoever registers later.
    """
    if account.email_verified_at is None:
        return Subscription.objects.none()
    return Subscription.objects.filter(
        email__iexact=normalize_email(account.user.email), created_at__gte=account.email_verified_at
    ).order_by("id")


def sign_in_history(user: User) -> models.QuerySet[AuditEntry]:
    """Audit rows about this account: its sign-ins and sign-outs, and failed tries with its email."""
    return AuditEntry.objects.filter(
        models.Q(user=user) | models.Q(username__iexact=user.get_username())
    ).order_by("at", "id")


def delete_sessions(user: User) -> int:
    """Delete every stored session signed in as `user` (they may hold its answers)."""
    doomed = []
    # Expired rows too: they keep their data until clearsessions runs.
    for session in Session.objects.iterator(chunk_size=500):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            doomed.append(session.pk)
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


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
    receipt = save_receipt(dict(account.profile))
    keep_receipt(account, receipt)
    return receipt


# --- what changed since the latest receipt ---------------------------------------------------


@dataclass(frozen=True)
class Change:
    measure: int
    title: str
    before: str
    after: str
    document: str = ""  # the measure's 文号

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
        # Statuses and titles only are compared: no sentences.
        fresh = screening.screen_profile(dict(latest.profile), ruleset, explain=False)
    except ProfileError:  # a stored profile the contract no longer accepts cannot be compared
        return None
    # Keyed by (文号, number): numbers repeat across documents. A receipt made before results
    # named their document holds the seed plan's measures only.
    seed = latest.answer.get("document", {}).get("number", "")
    old = {
        (r.get("document", seed), r["measure"]): (r["status"], r.get("title", ""))
        for r in latest.answer.get("results", [])
    }
    new = {(r.document, r.measure): (r.status, r.title) for r in fresh.results}
    order = {key: i for i, key in enumerate([*new, *(k for k in old if k not in new)])}
    news = RuleNews(latest, [], [], [])
    for key in sorted(set(old) | set(new), key=order.__getitem__):
        before, old_title = old.get(key, ("absent", ""))
        after, new_title = new.get(key, ("absent", ""))
        if before == after:
            continue
        change = Change(key[1], new_title or old_title, before, after, key[0])
        {"gain": news.gains, "loss": news.losses, "other": news.others}[change.direction].append(change)
    return news


# --- export and deletion ---------------------------------------------------------------------


def export_data(account: EnterpriseAccount) -> dict[str, Any]:
    """Everything the portal holds about the account, as one JSON-ready document."""
    user = account.user
    subscriptions = linked_subscriptions(account)
    return {
        "format": "huiqi-account-export",
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "uscc": account.uscc,
            "name": account.name,
            "created_at": account.created_at.isoformat(),
            "email_verified_at": account.email_verified_at.isoformat() if account.email_verified_at else None,
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
        "sign_in_history": [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "action_label": e.get_action_display(),
                "username": e.username,
                "ip": e.ip,
                "path": e.path,
            }
            for e in sign_in_history(user)
        ],
    }


@transaction.atomic
def delete_everything(account: EnterpriseAccount) -> dict[str, int]:
    """Delete the account, its profile, kept receipts, linked subscriptions and stored sessions.

    The audit rows stay (the retention period is a legal duty) but lose their link to the user.
    """
    user = account.user
    receipts = Receipt.objects.filter(account_link__account=account)
    subscriptions = linked_subscriptions(account)
    counts = {"receipts": receipts.count(), "subscriptions": subscriptions.count()}
    # Receipt deletion cascades to the links; the subscriptions' notices keep their anonymous
    # figures (their foreign key is SET_NULL).
    receipts.delete()
    Subscription.objects.filter(pk__in=list(subscriptions.values_list("pk", flat=True))).delete()
    counts["sessions"] = delete_sessions(user)
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
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [account.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def rule_news_candidates(version: str) -> models.QuerySet[EnterpriseAccount]:
    """The opted-in accounts with a kept receipt not yet told about rule version ``version``."""
    return (
        EnterpriseAccount.objects.filter(
            rule_news_email=True, user__is_active=True, receipt_links__isnull=False
        )
        .exclude(news_sent_for=version)
        .distinct()
    )


def notify_rule_changes(account_ids: Iterable[int] | None = None) -> int:
    """Email each opted-in account whose latest result the published rules now change; once per version.

    The version is claimed with a conditional update before sending, so two runs at once never
    send the same account the same news twice. ``account_ids`` limits the run to those accounts
    (a chunk of ``enterprises/accounts/rule_news_runs.py``).
    """
    _, version = screening.current_rules()
    sent = 0
    candidates = rule_news_candidates(version).select_related("user")
    if account_ids is not None:
        candidates = candidates.filter(pk__in=list(account_ids))
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
