"""Admin for saved self-check results (read-only). The golden cases' admin and the impact
preview on publishing are the policies app's (policies/admin_golden.py)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from enterprises.selfcheck.models import Receipt


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    """Saved self-check results, read-only: officials look, nobody edits a receipt."""

    list_display = ["created_at", "as_of", "rules_version", "summary", "link"]
    list_filter = ["as_of", "rules_version"]
    date_hierarchy = "created_at"
    readonly_fields = ["token", "as_of", "rules_version", "created_at", "profile_json", "link"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Receipt | None = None) -> bool:
        return False

    @admin.display(description="结果")
    def summary(self, obj: Receipt) -> str:
        counts = obj.status_counts()
        return f"可享受{counts['eligible']} · 需补充{counts['needs_info']} · 暂不符合{counts['ineligible']}"

    @admin.display(description="企业画像")
    def profile_json(self, obj: Receipt) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.profile, ensure_ascii=False, indent=2))

    @admin.display(description="结果页")
    def link(self, obj: Receipt) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">查看</a>', obj.get_absolute_url())
