"""One row per audited event, append-only (the admin cannot add, change or delete rows)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

import audit

# 等保 2.0 level 3 asks for at least six months of audit records; shorter settings are raised to it.
MINIMUM_RETENTION_DAYS = 180


def retention_days() -> int:
    return max(int(settings.AUDIT_RETENTION_DAYS), MINIMUM_RETENTION_DAYS)


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def record(
        self,
        request: HttpRequest | None,
        action: str,
        detail: dict[str, Any] | None = None,
        *,
        user: Any = None,
        username: str = "",
    ) -> AuditEntry:
        from portal.security import client_ip

        if user is None and request is not None:
            user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None
        return self.create(
            action=action,
            user=user,
            username=(username or (user.get_username() if user else ""))[:150],
            ip=(client_ip(request) or None) if request is not None else None,
            path=request.path[:300] if request is not None else "",
            detail=detail or {},
        )

    def expired(self, now: Any = None) -> AuditEntryQuerySet:
        """Entries older than the retention period (never shorter than 180 days)."""
        now = now or timezone.now()
        return self.filter(at__lt=now - timedelta(days=retention_days()))

    def prune(self, now: Any = None) -> int:
        deleted, _ = self.expired(now).delete()
        return deleted


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        LOGIN = audit.LOGIN, "登录成功"
        LOGIN_FAILED = audit.LOGIN_FAILED, "登录失败"
        LOCKED_OUT = audit.LOCKED_OUT, "多次失败被锁定"
        LOGOUT = audit.LOGOUT, "退出登录"
        HOTLINE_SEARCH = audit.HOTLINE_SEARCH, "热线检索"
        HOTLINE_LOOKUP = audit.HOTLINE_LOOKUP, "热线查看政策"
        CALLER_CHECK = audit.CALLER_CHECK, "为来电企业自测"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("事件", max_length=40, choices=Action.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(
        "用户名", max_length=150, blank=True, help_text="登录时填写的用户名;账户删除后仍保留。"
    )
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    path = models.CharField("页面", max_length=300, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["username", "-at"])]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.username}"


class AdminChange(LogEntry):
    """Django's own admin log, shown in the audit section so officials find every change in one place."""

    class Meta:
        proxy = True
        verbose_name = "后台修改记录"
        verbose_name_plural = "后台修改记录"
