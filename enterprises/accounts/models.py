"""Optional enterprise accounts: a sign-in of its own, a saved profile and the receipts it kept.

An account is a Django user (username = the normalised email, never staff) plus this row. The
self-check works without one; an account only remembers the latest answers and which receipts
are the enterprise's own. Receipts keep their unguessable link: linking one to an account
does not make it readable by anyone else, and nothing here is ever listed by id.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from enterprises.selfcheck.models import Receipt


class EnterpriseAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.CASCADE,
        related_name="enterprise_account",
    )
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, help_text="18位,例如:91350100M000100Y43"
    )
    name = models.CharField(
        "企业名称", max_length=100, blank=True, help_text="选填,例如:太原某某机械有限公司"
    )
    profile = models.JSONField(
        "企业画像", default=dict, blank=True, help_text="最近一次自测的回答,按接口约定字段保存,用于预填问卷。"
    )
    profile_updated_at = models.DateTimeField("画像更新时间", null=True, blank=True)
    rule_news_email = models.BooleanField(
        "规则变化邮件通知",
        default=False,
        help_text="政策规则变化使结果改变时,向登录邮箱发一封通知;须由企业自己开启(注册时勾选或在账户页开启)。",
    )
    news_sent_for = models.CharField(
        "已通知的规则版本",
        max_length=64,
        blank=True,
        help_text="最近一次发出变化通知时的规则版本,避免重复发送。",
    )
    email_verified_at = models.DateTimeField(
        "邮箱验证时间",
        null=True,
        blank=True,
        help_text="点击验证邮件中的链接的时间;未验证的账户不能登录,也不关联任何订阅。",
    )
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业账户"
        verbose_name_plural = "企业账户"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"企业账户 {self.uscc}"

    @property
    def email(self) -> str:
        return self.user.email

    def receipts(self) -> models.QuerySet[Receipt]:
        """The receipts this enterprise kept, newest first."""
        return Receipt.objects.filter(account_link__account=self).order_by("-created_at", "-id")

    def latest_receipt(self) -> Receipt | None:
        return self.receipts().first()


class AccountReceipt(models.Model):
    """A receipt kept by an account; a receipt belongs to at most one account."""

    account = models.ForeignKey(
        EnterpriseAccount, verbose_name="企业账户", on_delete=models.CASCADE, related_name="receipt_links"
    )
    receipt = models.OneToOneField(
        Receipt, verbose_name="自测结果凭证", on_delete=models.CASCADE, related_name="account_link"
    )
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "账户保存的自测结果"
        verbose_name_plural = "账户保存的自测结果"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account} · {self.receipt}"


def account_of(user: Any) -> EnterpriseAccount | None:
    """The enterprise account of a signed-in user, or None (anonymous visitors, staff)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.enterprise_account
    except EnterpriseAccount.DoesNotExist:
        return None
