"""Admin for officials: the search vocabulary, the call log and the weekly hotline report."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .models import Call, DictionaryWord, SearchSynonym

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REPORT_WEEKS = 8


@admin.register(DictionaryWord)
class DictionaryWordAdmin(admin.ModelAdmin):
    list_display = ["word", "note", "updated_at"]
    search_fields = ["word", "note"]
    fieldsets = [
        (
            None,
            {
                "fields": ["word", "note"],
                "description": "保存后,所有政策条款会按新词典重新分词(几秒钟内生效)。"
                "添加复合词时,也请添加其中单独有意义的部分,例如“专精特新”和“专精”。",
            },
        )
    ]


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ["term", "expansion", "note", "updated_at"]
    search_fields = ["term", "expansion", "note"]
    fieldsets = [
        (
            None,
            {
                "fields": ["term", "expansion", "note"],
                "description": "来电问题中出现“来电说法”时,检索会同时查找“对应的政策用语”。"
                "例如:稳岗补贴 → 稳岗返还。",
            },
        )
    ]


class FollowUpFilter(admin.SimpleListFilter):
    title = "处理状态"
    parameter_name = "follow_up"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("open", "未解答,待部门答复"), ("resolved", "未解答,部门已答复"), ("answered", "已当场解答")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "open":
            return queryset.filter(answered=False, resolved=False)
        if self.value() == "resolved":
            return queryset.filter(answered=False, resolved=True)
        if self.value() == "answered":
            return queryset.filter(answered=True)
        return queryset


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["started_at", "topic", "measure_list", "answered", "resolved", "agent"]
    list_filter = [FollowUpFilter, "started_at"]
    search_fields = ["topic", "note", "official_reply"]
    date_hierarchy = "started_at"
    filter_horizontal = ["measures"]
    readonly_fields = ["agent"]
    fieldsets = [
        ("来电", {"fields": ["started_at", "agent", "topic", "measures", "answered", "note"]}),
        (
            "部门答复",
            {
                "fields": ["resolved", "official_reply"],
                "description": "坐席未能解答的问题,由主管部门在此答复。",
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("agent").prefetch_related("measures")

    @admin.display(description="查阅的措施")
    def measure_list(self, obj: Call) -> str:
        return "、".join(f"第{m.number}条" for m in obj.measures.all()) or "—"

    def get_urls(self) -> list:
        custom = [path("report/", self.admin_site.admin_view(self.report_view), name="hotline_call_report")]
        return custom + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "report_url": reverse("admin:hotline_call_report")}
        return super().changelist_view(request, extra_context)

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """Most asked measures and unanswered questions, week by week (Monday to Sunday)."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        today = timezone.localdate()
        first_monday = today - datetime.timedelta(days=today.weekday(), weeks=REPORT_WEEKS - 1)
        since = timezone.make_aware(datetime.datetime.combine(first_monday, datetime.time.min))
        calls = Call.objects.filter(started_at__gte=since).prefetch_related("measures").order_by("started_at")
        weeks: dict[datetime.date, dict] = defaultdict(
            lambda: {"calls": 0, "measures": Counter(), "unanswered": []}
        )
        for call in calls:
            week = weeks[call.week_start()]
            week["calls"] += 1
            for measure in call.measures.all():
                week["measures"][(measure.number, measure.title)] += 1
            if not call.answered:
                week["unanswered"].append(call)
        rows = []
        for monday in sorted(weeks, reverse=True):
            data = weeks[monday]
            rows.append(
                {
                    "monday": monday,
                    "sunday": monday + datetime.timedelta(days=6),
                    "calls": data["calls"],
                    "top_measures": [
                        {"number": n, "title": t, "count": c}
                        for (n, t), c in data["measures"].most_common(10)
                    ],
                    "unanswered": data["unanswered"],
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "热线周报:最常查询的措施与未解答问题",
            "weeks": rows,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/hotline/call/report.html", context)

    def save_model(self, request: HttpRequest, obj: Call, form: object, change: bool) -> None:
        if not change and obj.agent_id is None:
            # The admin site lets in signed-in active staff only (AdminSite.has_permission), so
            # request.user is a User here, never AnonymousUser.
            obj.agent = cast("User", request.user)
        super().save_model(request, obj, form, change)
