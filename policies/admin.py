"""The officials' admin for the catalogue.

Rights follow departments: an official may change only the measures of the responsible units
they belong to (a superuser may change everything). Published measures are read-only here:
an official opens a draft ("修改草稿"), edits it, and publishes it; every change is kept in
the measure's history, and any earlier version can be turned back into a draft.
"""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

# admin_golden and admin_rules register their models' admins (golden cases; rules, parameters, size tables).
from . import admin_golden, admin_rules, admin_runs, publish_diff  # noqa: F401
from .admin_import import DocumentImportMixin
from .admin_inlines import DeadlineInline, EligibilityRuleInline, MeasureLinkInline, MeasureUnitInline
from .models import (
    Category,
    Deadline,
    Industry,
    Measure,
    MeasureLink,
    MeasureUnit,
    Official,
    PolicyDocument,
    ResponsibleUnit,
)
from .rulebuilder import review
from .rulebuilder.views import RuleBuilderView, session_checked


def _record_changes(model: type, record: object) -> list[str]:
    """What a historical record changed against the previous one, field by field, in words."""
    previous = record.prev_record if record.history_type == "~" else None
    if previous is None:
        return []
    out = []
    for change in record.diff_against(previous).changes:
        field = model._meta.get_field(change.field)
        old, new = change.old, change.new
        if field.is_relation:
            related = field.related_model._default_manager
            old = related.filter(pk=old).first() or old
            new = related.filter(pk=new).first() or new
        out.append(f"{field.verbose_name}:{_plain(old)} → {_plain(new)}")
    return out


def _plain(value: object) -> str:
    if value in (None, ""):
        return "(空)"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class UnitScopeFilter(admin.SimpleListFilter):
    """The measure list opens on the official's own units: of 70 measures an official may change
    a handful, and those are the ones they came for. 全部措施 lists every measure (read-only
    where the unit is another's); a superuser, or an official with no unit, sees all by default."""

    title = "范围"
    parameter_name = "scope"

    def __init__(
        self, request: HttpRequest, params: dict, model: type, model_admin: admin.ModelAdmin
    ) -> None:
        self.own_units = list(
            ResponsibleUnit.objects.filter(officials__user=request.user).order_by("order", "id")
        )
        self.default = "all" if request.user.is_superuser or not self.own_units else "mine"
        if "units__id__exact" in params:
            self.default = "all"  # a unit picked under 责任单位 is shown even if it is not theirs
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        names = "、".join(u.name for u in self.own_units)
        mine = f"我的单位({names})" if names else "我的单位(尚未登记所属单位)"
        return [("mine", mine), ("all", "全部措施")]

    def current(self) -> str:
        return self.value() if self.value() in ("mine", "all") else self.default

    def queryset(self, request: HttpRequest, queryset: QuerySet[Measure]) -> QuerySet[Measure]:
        if self.current() == "mine":
            return queryset.filter(units__in=self.own_units).distinct()
        return queryset

    def choices(self, changelist: object) -> Iterator[dict]:
        # No Django "全部" entry: the default is 我的单位, and 全部措施 is one of the two choices.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.current() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    # 有效期 is one column and 责任单位 is filterable, so 标题 keeps its width at 1280 px.
    list_display = ["number", "title", "document_number", "category", "status_badge", "validity", "unit_list"]
    list_display_links = ["number", "title"]
    list_filter = [UnitScopeFilter, "is_draft", "document", "category", "delivery", "units"]
    search_fields = ["title", "text", "summary", "=number", "document__number"]
    autocomplete_fields = ["category"]
    inlines = [MeasureUnitInline, DeadlineInline, MeasureLinkInline, EligibilityRuleInline]
    history_list_display = ["draft_from_version"]
    change_form_template = "admin/policies/measure/change_form.html"
    fieldsets = [
        ("基本信息", {"fields": ["document", "number", "title", "category"]}),
        (
            "内容",
            {
                "fields": ["text", "summary"],
                "description": "原文须与文件一致,不得改写;通俗解读用一到三句话说明谁能享受、享受什么。",
            },
        ),
        ("有效期与办理", {"fields": ["valid_from", "valid_until", "delivery", "how_to_apply", "apply_url"]}),
        ("发布状态", {"fields": ["is_draft", "draft_of", "published_at"]}),
    ]

    object_history_template = "admin/policies/measure/object_history.html"

    object_history_list_template = "admin/policies/measure/object_history_list.html"

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        """The measure's history, followed by the history of its units and deadlines.

        Publishing writes every row of the draft back onto the published measure, so a unit or
        deadline that the draft left alone gets a "changed" record with nothing changed; those are
        left out, and a real change names its fields (日期:2022-06-30 → 2022-07-31).
        """
        related = []
        if object_id.isdigit():
            for model, kind in ((MeasureUnit, "责任单位"), (Deadline, "截止日期"), (MeasureLink, "后续政策")):
                for record in model.history.filter(measure_id=int(object_id)).select_related("history_user"):
                    record.changes = _record_changes(model, record)
                    if record.history_type == "~" and not record.changes:
                        continue
                    record.kind = kind
                    record.text = str(record.instance)
                    related.append(record)
        related.sort(key=lambda r: r.history_date, reverse=True)
        return super().history_view(request, object_id, {**(extra_context or {}), "related_history": related})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Measure]:
        return (
            super()
            .get_queryset(request)
            .select_related("category", "document")
            .prefetch_related("measure_units__unit")
        )

    @admin.display(description="文号", ordering="document__number")
    def document_number(self, obj: Measure) -> str:
        return obj.document.number

    @admin.display(description="状态")
    def status_badge(self, obj: Measure) -> str:
        return "草稿" if obj.is_draft else "已发布"

    @admin.display(description="责任单位")
    def unit_list(self, obj: Measure) -> str:
        return "、".join(mu.unit.name for mu in obj.measure_units.all())

    @admin.display(description="有效期", ordering="valid_until")
    def validity(self, obj: Measure) -> str:
        start = obj.valid_from.isoformat() if obj.valid_from else "—"
        # Two short lines rather than one long one: the column stays narrow at 1280 px.
        return format_html("{}<br>至 {}", start, obj.valid_until.isoformat() if obj.valid_until else "长期")

    change_list_template = "admin/policies/measure/change_list.html"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """A published measure, or one of another unit, opens read-only and says why.

        Published content changes only through a draft, so such a page has no 保存 buttons (a
        save could only fail, naming nothing), and a POST to it is answered with the way to
        change it instead of a form error.
        """
        extra = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            may_change = self.has_change_permission(request, obj)
            if not obj.is_draft:
                if request.method == "POST" and may_change:
                    self.message_user(
                        request,
                        "已发布的版本不能直接修改:请点击右上角“修改草稿”,在草稿中修改后再发布。",
                        messages.WARNING,
                    )
                    return HttpResponseRedirect(request.path)
                extra.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
            if not may_change:
                extra["readonly_reason"] = self.readonly_reason(request, obj)
        return super().change_view(request, object_id, form_url, extra)

    def readonly_reason(self, request: HttpRequest, obj: Measure) -> str:
        """Why this official may only look at this measure, in their words."""
        units = "、".join((obj.draft_of or obj).unit_names()) or "(未登记)"
        own = "、".join(
            ResponsibleUnit.objects.filter(officials__user=request.user).values_list("name", flat=True)
        )
        if not own:
            return f"这条措施的责任单位是{units}。您的账号还没有登记所属单位,因此只能查看,不能修改;请联系系统管理员在“部门工作人员”中登记。"
        return (
            f"这条措施的责任单位是{units},您所属的单位是{own},因此只能查看,不能修改或打开草稿。"
            "如需修改,请联系责任单位的工作人员。"
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Measure | None = None) -> list[str]:
        always = ["is_draft", "draft_of", "published_at"]
        if obj is not None and not obj.is_draft:
            # Published content changes only through a draft, so the public never sees half an edit.
            return [f for fs in self.fieldsets for f in fs[1]["fields"]]
        if obj is not None and obj.draft_of_id:
            # A draft edits its measure's content; which document and number it is stays put.
            return always + ["document", "number"]
        return always

    def has_change_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.can_be_changed_by(request.user))

    def has_delete_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        # Published measures are withdrawn by a superuser only; drafts may be discarded.
        if obj is not None and not obj.is_draft:
            return allowed and request.user.is_superuser
        return allowed and (obj is None or obj.can_be_changed_by(request.user))

    def save_model(self, request: HttpRequest, obj: Measure, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.is_draft = True
        super().save_model(request, obj, form, change)

    # --- draft / publish / revert views -------------------------------------------------

    def get_urls(self) -> list:
        extra = [
            path(
                "<int:pk>/rule-builder/",
                session_checked(self.admin_site.admin_view(RuleBuilderView(self)), self.admin_site),
                name="policies_measure_rule_builder",
            ),
            path(
                "<int:pk>/start-draft/",
                self.admin_site.admin_view(self.start_draft_view),
                name="policies_measure_start_draft",
            ),
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="policies_measure_publish",
            ),
            path(
                "<int:pk>/history/<int:history_id>/draft/",
                self.admin_site.admin_view(self.draft_from_version_view),
                name="policies_measure_draft_from_version",
            ),
        ]
        return extra + super().get_urls()

    def _get_changeable(self, request: HttpRequest, pk: int) -> Measure:
        measure = get_object_or_404(Measure, pk=pk)
        if not self.has_change_permission(request, measure):
            raise PermissionDenied
        return measure

    def start_draft_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        measure = self._get_changeable(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:policies_measure_change", args=[pk]))
        draft = measure.start_draft()
        self.message_user(request, f"已打开第{measure.number}条的修改草稿。修改后点击“发布”才会对公众生效。")
        return HttpResponseRedirect(reverse("admin:policies_measure_change", args=[draft.pk]))

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        draft = self._get_changeable(request, pk)
        if not request.user.has_perm("policies.publish_measure"):
            raise PermissionDenied
        if not draft.is_draft:
            self.message_user(request, "这条措施已经发布。", messages.INFO)
            return HttpResponseRedirect(reverse("admin:policies_measure_change", args=[pk]))
        # Four eyes (settings.RULES_FOUR_EYES): the last author of a draft may not publish it.
        refusals = [reason] if (reason := review.refusal(request, draft)) else []
        errors: list[str] = list(refusals)
        if request.method == "POST" and not refusals:
            draft_pk = draft.pk
            try:
                published = draft.publish()
            except ValidationError as exc:
                errors = exc.messages
            else:
                review.log_publication(request, draft_pk, published)
                self.message_user(
                    request, f"第{published.number}条已发布,公众页面和接口已更新。", messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:policies_measure_change", args=[published.pk]))
        context = {
            "errors": errors,
            "refused": bool(refusals),
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "draft": draft,
            "original": draft.draft_of,
            "title": f"发布第{draft.number}条",
            "review": publish_diff.review(draft),
            "preview_sections": self.publish_preview_sections(request, draft),
        }
        return TemplateResponse(request, "admin/policies/measure/publish.html", context)

    def publish_preview_sections(self, request: HttpRequest, draft: Measure) -> list:
        """The publish page's sections below the diff: who changed the draft (four eyes), and the
        golden cases and saved profiles the draft would move (the impact preview)."""
        sections = [
            review.changes_section(request, draft),
            admin_golden.impact_preview_section(request, draft),
            admin_runs.rule_news_section(request, draft),
        ]
        return [section for section in sections if section]

    @admin.display(description="恢复")
    def draft_from_version(self, record: object) -> str:
        url = reverse("admin:policies_measure_draft_from_version", args=[record.id, record.history_id])
        return format_html('<a href="{}">以此版本创建草稿</a>', url)

    def draft_from_version_view(self, request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
        measure = self._get_changeable(request, pk)
        record = get_object_or_404(Measure.history.model, id=pk, history_id=history_id)
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "measure": measure,
                "record": record,
                "title": f"以{record.history_date:%Y-%m-%d %H:%M}的版本创建草稿",
            }
            return TemplateResponse(request, "admin/policies/measure/draft_from_version.html", context)
        target = measure.draft_of or measure
        draft = target.start_draft()
        skip = {"id", "is_draft", "draft_of", "published_at", "number"}
        for field in Measure._meta.concrete_fields:
            if field.name not in skip:
                setattr(draft, field.attname, getattr(record, field.attname))
        draft.save()
        self.message_user(request, "已按所选历史版本生成草稿,核对后点击“发布”即可恢复。")
        return HttpResponseRedirect(reverse("admin:policies_measure_change", args=[draft.pk]))


@admin.register(ResponsibleUnit)
class ResponsibleUnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "full_name", "phone", "order"]
    search_fields = ["name", "full_name"]
    fieldsets = [(None, {"fields": ["name", "full_name", "phone", "address", "website", "order"]})]

    def has_change_permission(self, request: HttpRequest, obj: ResponsibleUnit | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if obj is None or request.user.is_superuser:
            return allowed
        return allowed and obj.officials.filter(user=request.user).exists()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(DocumentImportMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "issuer", "issued_on", "valid_from", "valid_until", "legacy_urls"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ["user", "unit_list"]
    filter_horizontal = ["units"]
    autocomplete_fields = ["user"]

    @admin.display(description="所属单位")
    def unit_list(self, obj: Official) -> str:
        return "、".join(u.name for u in obj.units.all())
