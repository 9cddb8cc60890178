"""Forms of the enterprise accounts: register, sign in, confirm deletion (Chinese messages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.http import HttpRequest

from enterprises.accounts import uscc
from enterprises.accounts.models import account_of
from enterprises.reminders.models import normalize_email

EMAIL_MAX = 150  # the email is the username, and Django's usernames hold 150 characters


class RegisterForm(forms.Form):
    email = forms.EmailField(
        label="电子邮箱",
        max_length=EMAIL_MAX,
        help_text="用于登录,例如:caiwu@example.com",
        error_messages={
            "required": "请填写电子邮箱。",
            "invalid": "请填写有效的电子邮箱,例如:caiwu@example.com",
        },
    )
    uscc = forms.CharField(
        label="统一社会信用代码",
        max_length=40,
        help_text="营业执照上的18位代码,例如:91350100M000100Y43",
        error_messages={"required": "请填写统一社会信用代码。"},
    )
    name = forms.CharField(label="企业名称(选填)", max_length=100, required=False)
    password1 = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少8位,不能全是数字,不能过于常见或与邮箱相似。",
        error_messages={"required": "请设置密码。"},
    )
    password2 = forms.CharField(
        label="再次输入密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入密码。"},
    )

    rule_news_email = forms.BooleanField(
        label="政策规则变化使我的结果改变时,给我发邮件(可随时在账户页关闭)",
        required=False,
        initial=False,  # opt-in: nothing is sent unless the enterprise ticks it
    )

    # Neither check says whether the email or the code is already registered: the page answers
    # the same either way and the mailbox owner is told by email (accounts.register).
    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean_uscc(self) -> str:
        try:
            return uscc.validate(self.cleaned_data["uscc"])
        except uscc.USCCError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "两次输入的密码不一致。")
        elif first:
            email = data.get("email") or ""
            try:
                password_validation.validate_password(first, User(username=email, email=email))
            except forms.ValidationError as exc:
                self.add_error("password1", [_password_message(e) for e in exc.error_list])
        return data


class LoginForm(forms.Form):
    email = forms.EmailField(
        label="电子邮箱",
        max_length=254,
        error_messages={"required": "请填写电子邮箱。", "invalid": "请填写有效的电子邮箱。"},
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请填写密码。"},
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        email, password = data.get("email"), data.get("password")
        if email and password:
            # Through authenticate() with the request, so django-axes counts failures and locks.
            user = authenticate(request=self.request, username=normalize_email(email), password=password)
            # Staff accounts sign in on their own pages; here they fail like a wrong password.
            if user is None or account_of(user) is None:
                raise forms.ValidationError("邮箱或密码不正确。", code="invalid_login")
            self.user = user
        return data


class DeleteForm(forms.Form):
    password = forms.CharField(
        label="请输入密码确认删除",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请输入密码以确认删除。"},
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user = request.user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # Through authenticate() with the request, so django-axes counts wrong guesses here as on
        # the login page, and a locked account cannot be deleted by guessing either.
        user = authenticate(request=self.request, username=self.user.get_username(), password=password)
        if user is None or user.pk != self.user.pk:
            raise forms.ValidationError("密码不正确,数据未删除。")
        return password


class EnterprisePasswordResetForm(PasswordResetForm):
    """Django's reset form, for enterprise accounts only (staff reset theirs with an administrator)."""

    email = forms.EmailField(
        label="注册邮箱",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "请填写注册邮箱。", "invalid": "请填写有效的电子邮箱。"},
    )

    def get_users(self, email: str) -> Any:
        return (user for user in super().get_users(normalize_email(email)) if account_of(user) is not None)


# Django's validators, in Chinese whatever the installed translation holds (some of its
# messages are not translated in every release); unknown codes keep Django's own text.
PASSWORD_MESSAGES = {
    "password_too_short": "密码太短,至少需要{min_length}个字符。",
    "password_too_common": "这个密码太常见了,请换一个不容易被猜到的密码。",
    "password_entirely_numeric": "密码只包含数字,请加入字母或符号。",
    "password_too_similar": "密码与邮箱太相似,请换一个。",
}


def _password_message(error: forms.ValidationError) -> str:
    template = PASSWORD_MESSAGES.get(error.code or "")
    if template is None:
        return " ".join(error.messages)
    return template.format(**(error.params or {}))
