"""Admin views of the bulk work over receipts and accounts: rule-change re-screening progress.

The progress of the latest re-screening of enterprise accounts (``enterprises/accounts/rule_news_runs.py``) is
shown on the publish page, where an official decides to change the rules, and every run is
listed read-only under 政策措施 › 规则变化通知复核.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string

from .models import Measure, RuleNewsRun


@admin.register(RuleNewsRun)
class RuleNewsRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "progress", "sent", "finished_at", "rules_version"]
    readonly_fields = [
        "rules_version",
        "total",
        "done",
        "sent",
        "chunks",
        "chunks_done",
        "started_at",
        "finished_at",
    ]

    @admin.display(description="进度")
    def progress(self, run: RuleNewsRun) -> str:
        return f"{run.done:,}/{run.total:,}({run.percent}%)"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RuleNewsRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RuleNewsRun | None = None) -> bool:
        return False


def rule_news_section(request: HttpRequest, draft: Measure) -> str:
    """What happens to enterprise accounts after publishing, and how far the last re-screening got."""
    return render_to_string("admin/policies/rule_news_progress.html", {"run": RuleNewsRun.objects.first()})
