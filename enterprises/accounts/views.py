"""Enterprise account pages: register, sign in and out, the account page, re-run, export, delete.

Every page but register and sign-in is about the signed-in enterprise's own account: no URL
carries an account or profile id, so there is nothing to guess. Staff and hotline accounts are
not enterprises and get 403 here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from enterprises.accounts import services as accounts
from enterprises.accounts.forms import DeleteForm, EnterprisePasswordResetForm, LoginForm, RegisterForm
from enterprises.accounts.models import AccountReceipt, EnterpriseAccount, account_of
from enterprises.selfcheck import steps
from enterprises.selfcheck.models import Receipt
from enterprises.selfcheck.presentation import profile_summary

BACKEND = "django.contrib.auth.backends.ModelBackend"


def enterprise_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first (the enterprise login page); signed-in non-enterprise accounts get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        account = account_of(request.user)
        if account is None:
            return render(request, "enterprises/accounts/forbidden.html", status=403)
        return view(request, account, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _start_session(request: HttpRequest, account: EnterpriseAccount) -> None:
    """Pre-fill the questionnaire with the saved profile, unless answers are already in progress."""
    if account.profile and not steps.session_profile(request):
        steps.store_profile(request, dict(account.profile))


def register(request: HttpRequest) -> HttpResponse:
    """Register, then verify by email: the same answer whether or not the email or code is taken."""
    if account_of(request.user) is not None:
        return HttpResponseRedirect(reverse("accounts:home"))
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Answers given before registering become the new account's profile (they are this
        # browser's own); nothing else is linked until the email is verified.
        accounts.register(
            data["email"],
            data["password1"],
            data["uscc"],
            data["name"],
            profile=steps.session_profile(request),
            receipt=_receipt_of(_safe_next(request, "")),
            rule_news_email=data["rule_news_email"],
        )
        context = {"email": data["email"], "from_receipt": _receipt_of(_safe_next(request, "")) is not None}
        return render(request, "enterprises/accounts/register_sent.html", context)
    return render(
        request, "enterprises/accounts/register.html", {"form": form, "next": _safe_next(request, "")}
    )


def _receipt_of(path: str) -> Receipt | None:
    """The result a ``next`` address shows (registering from a result page keeps that result)."""
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return None
    if match.view_name != "enterprises:receipt":
        return None
    return Receipt.objects.filter(token=match.kwargs["token"]).first()


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the verification email: a page with a button (mail scanners only GET it)."""
    if request.method == "POST":
        account = accounts.verify(token, request.POST.get("password", ""))
        if account is not None:
            login(request, account.user, backend=BACKEND)
            _start_session(request, account)
            kept = AccountReceipt.objects.filter(account=account).exists()
            messages.success(
                request,
                "邮箱已验证,账户已启用并为您登录。" + ("注册时查看的自测结果已保存到账户。" if kept else ""),
            )
            return HttpResponseRedirect(reverse("accounts:home"))
        return render(
            request, "enterprises/accounts/verify.html", {"invalid": True, "token": token}, status=400
        )
    return render(request, "enterprises/accounts/verify.html", {"invalid": False})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset flow; the done page says the same whether or not the email has an account."""

    form_class = EnterprisePasswordResetForm
    template_name = "enterprises/accounts/password_reset_form.html"
    email_template_name = "enterprises/accounts/email/password_reset.txt"
    subject_template_name = "enterprises/accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        # Links are built from SITE_URL, never from the request's Host header.
        return {"site_url": settings.SITE_URL.rstrip("/")}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "enterprises/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


def sign_in(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend=BACKEND)
        _start_session(request, form.user.enterprise_account)
        return HttpResponseRedirect(_safe_next(request, reverse("accounts:home")))
    return render(request, "enterprises/accounts/login.html", {"form": form, "next": _safe_next(request, "")})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)  # also forgets the answers in the session: a shared computer keeps nothing
    messages.info(request, "您已退出登录。")
    return HttpResponseRedirect(reverse("policies:home"))


@enterprise_required
def home(request: HttpRequest, account: EnterpriseAccount) -> HttpResponse:
    receipts = list(account.receipts()[:50])
    context = {
        "account": account,
        "receipts": receipts,
        "news": accounts.rule_news(account),
        "profile_summary": profile_summary(account.profile) if account.profile else [],
    }
    return render(request, "enterprises/accounts/home.html", context)


@require_POST
@enterprise_required
def rerun(request: HttpRequest, account: EnterpriseAccount) -> HttpResponse:
    receipt = accounts.rerun(account)
    if receipt is None:
        messages.info(request, "还没有保存的企业情况,请先完成一次政策自测。")
        return HttpResponseRedirect(reverse("enterprises:check"))
    return HttpResponseRedirect(receipt.get_absolute_url())


@require_POST
@enterprise_required
def edit_profile(request: HttpRequest, account: EnterpriseAccount) -> HttpResponse:
    """Open the questionnaire with the saved answers."""
    steps.store_profile(request, dict(account.profile))
    return HttpResponseRedirect(reverse("enterprises:check"))


@require_POST
@enterprise_required
def keep(request: HttpRequest, account: EnterpriseAccount, token: uuid.UUID) -> HttpResponse:
    """Save a result the enterprise is looking at to its account ("保存到我的账户")."""
    receipt = get_object_or_404(Receipt, token=token)
    if not accounts.keep_receipt(account, receipt):
        raise Http404("没有这份结果")
    messages.success(request, "已保存到您的账户。")
    return HttpResponseRedirect(receipt.get_absolute_url())


@enterprise_required
def export(request: HttpRequest, account: EnterpriseAccount) -> HttpResponse:
    body = json.dumps(accounts.export_data(account), ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="huiqi-account-{account.uscc}-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@enterprise_required
def delete(request: HttpRequest, account: EnterpriseAccount) -> HttpResponse:
    form = DeleteForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        logout(request)  # first, so the sign-out is recorded while the user still exists
        accounts.delete_everything(account)
        messages.success(request, "您的账户、企业情况、保存的自测结果和提醒订阅已全部删除。")
        return HttpResponseRedirect(reverse("policies:home"))
    context = {"account": account, "form": form, "receipt_count": account.receipts().count()}
    return render(request, "enterprises/accounts/delete.html", context)


@require_POST
@enterprise_required
def rule_news_email(request: HttpRequest, account: EnterpriseAccount) -> HttpResponse:
    """Switch the rule-change notification emails on or off."""
    account.rule_news_email = request.POST.get("on") == "1"
    account.save(update_fields=["rule_news_email"])
    messages.success(
        request, "已开启规则变化邮件通知。" if account.rule_news_email else "已关闭规则变化邮件通知。"
    )
    return HttpResponseRedirect(reverse("accounts:home"))
