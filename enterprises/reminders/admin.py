"""Admin for deadline reminders: officials see what was sent and what failed, read-only.

Email addresses are personal information that officials do not need for this: the notice list
shows none, and the subscription list shows them masked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from enterprises.reminders.models import ReminderNotice, Subscription


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReminderNotice)
class ReminderNoticeAdmin(ReadOnlyAdmin):
    list_display = [
        "measure_number",
        "measure_title",
        "deadline_date",
        "stage",
        "status",
        "attempts",
        "sent_at",
        "detail",
    ]
    list_filter = ["status", "stage", "deadline_date", "measure_number"]
    search_fields = ["measure_title", "detail"]
    date_hierarchy = "created_at"
    list_select_related = False
    fieldsets = [
        (
            "提醒内容",
            {"fields": ["measure_number", "measure_title", "deadline_date", "stage", "subscription_id"]},
        ),
        (
            "发送情况",
            {
                "fields": [
                    "status",
                    "attempts",
                    "sent_at",
                    "detail",
                    "created_at",
                    "enqueued_at",
                    "lease_until",
                ]
            },
        ),
    ]
    readonly_fields = [f for group in fieldsets for f in group[1]["fields"]]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the ledger is what stops a notice going out twice

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # A mail-server outage shows as notices waiting after a failed attempt; staff must see it
        # on the page they open, not only in the worker's log.
        from enterprises.reminders.planning import mail_outage

        outage = mail_outage()
        if outage:
            nearest = outage["nearest_deadline"]
            messages.warning(
                request,
                f"邮件服务器暂时无法发送:{outage['count']} 封提醒正在等待自动重试"
                f"(最近的截止日期 {nearest:%Y-%m-%d},截止前会一直重试)。"
                f"最近一次错误:{outage['last_error'][:200]}",
            )
        return super().changelist_view(request, extra_context)


def mask_email(email: str) -> str:
    """caiwu@example.com -> c***@example.com"""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "masked_email",
        "status_label",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "sent_count",
    ]
    list_filter = [
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
    ]
    fields = [
        "masked_email",
        "profile",
        "consent_version",
        "consent_given_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="电子邮箱")
    def masked_email(self, obj: Subscription) -> str:
        return mask_email(obj.email)

    @admin.display(description="状态")
    def status_label(self, obj: Subscription) -> str:
        return obj.status_label()

    @admin.display(description="已发提醒")
    def sent_count(self, obj: Subscription) -> int:
        return obj.notices.filter(status=ReminderNotice.Status.SENT).count()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Erasure on request (个人信息保护法 第四十七条) is a superuser's job.
        return request.user.is_superuser
