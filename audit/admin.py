"""Read-only audit pages for officials: the audit trail and the admin's own change log."""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from .models import AdminChange, AuditEntry, retention_days


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records are evidence: nobody edits or deletes them by hand (pruning is a command)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "username", "ip", "path", "detail_text"]
    list_filter = ["action", "at"]
    search_fields = ["username", "ip", "path"]
    date_hierarchy = "at"
    list_per_page = 100
    fields = ["at", "action", "user", "username", "ip", "path", "detail_text"]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # noqa: ANN201
        extra_context = {**(extra_context or {}), "retention_days": retention_days()}
        return super().changelist_view(request, extra_context)

    @admin.display(description="详情")
    def detail_text(self, obj: AuditEntry) -> str:
        return json.dumps(obj.detail, ensure_ascii=False) if obj.detail else ""


@admin.register(AdminChange)
class AdminChangeAdmin(ReadOnlyAdmin):
    """Every add, change and deletion made in the admin; the history link shows field-level diffs."""

    list_display = [
        "action_time",
        "user",
        "content_type",
        "object_repr",
        "action_flag",
        "summary",
        "history_link",
    ]
    list_filter = ["action_flag", "content_type", "action_time"]
    search_fields = ["object_repr", "user__username", "change_message"]
    date_hierarchy = "action_time"
    list_select_related = ["user", "content_type"]
    list_per_page = 100

    @admin.display(description="修改内容")
    def summary(self, obj: LogEntry) -> str:
        return obj.get_change_message()

    @admin.display(description="历史版本")
    def history_link(self, obj: LogEntry) -> str:
        if obj.content_type is None or not obj.object_id:
            return ""
        try:
            url = reverse(
                f"admin:{obj.content_type.app_label}_{obj.content_type.model}_history", args=[obj.object_id]
            )
        except NoReverseMatch:
            return ""
        return format_html('<a href="{}">查看</a>', url)
