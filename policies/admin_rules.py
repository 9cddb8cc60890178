"""The officials' admin for the eligibility rules, parameters and size tables.

A measure's rule is edited inline on the measure (admin_inlines.py), so it follows the measure's
draft / publish workflow and department rights. Parameters are dated: a change of rate gets a
new row from its first day, and the old row an end date. Size tables are shared by every
measure; only a superuser changes them. Every save is checked with the engine, so a rule that
would not compile (or a parameter change that would break a published rule) is refused with
the reason.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from portal.security import STRICT_JSON_OVERRIDES

from .admin_golden import rules_change_section
from .models import EligibilityRule, Measure, Official, Parameter, SizeRow, SizeStandard
from .models.rules import seed_measure_citation
from .rules_loader import (
    build_leniently,
    check_size_table,
    check_without_parameters,
    describe_condition,
    invalidate,
    load_ruleset,
    ruleset_data,
)


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(SimpleHistoryAdmin):
    """An overview of every rule; rules are edited on their measure (through a draft)."""

    list_display = ["measure_number", "measure_title", "status", "condition_in_words", "has_estimate"]
    list_display_links = None
    search_fields = ["measure__title", "=measure__number", "citation", "measure__document__number"]
    list_filter = ["measure__is_draft", "measure__document"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[EligibilityRule]:
        return super().get_queryset(request).select_related("measure__document")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: EligibilityRule | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EligibilityRule | None = None) -> bool:
        return False

    @admin.display(description="条款", ordering="measure__number")
    def measure_number(self, obj: EligibilityRule) -> str:
        url = reverse("admin:policies_measure_change", args=[obj.measure_id])
        document = "" if obj.measure.document.legacy_urls else obj.measure.document.number
        return format_html('<a href="{}">{}第{}条</a>', url, document, obj.measure.number)

    @admin.display(description="标题")
    def measure_title(self, obj: EligibilityRule) -> str:
        return obj.measure.title

    @admin.display(description="状态")
    def status(self, obj: EligibilityRule) -> str:
        return "草稿" if obj.measure.is_draft else "已发布"

    @admin.display(description="条件")
    def condition_in_words(self, obj: EligibilityRule) -> str:
        return describe_condition(obj.condition, timezone.localdate())

    @admin.display(description="估算金额", boolean=True)
    def has_estimate(self, obj: EligibilityRule) -> bool:
        return obj.estimate is not None


def parameter_rights_problem(
    user: Any, key: str, measure_number: int | None, exclude_pk: int | None = None
) -> str:
    """Why `user` may not write a row of parameter `key` citing `measure_number` ("" when they may).

    Rules find a parameter by its key and use whichever row is in force, so a new row of a key
    changes every measure citing that key exactly as editing its rows does. An official may
    therefore write a row only when the measure it cites is theirs and every other row of the
    same key is too; a superuser may write any row.
    """
    if user.is_superuser:
        return ""
    if measure_number is None:
        return "请填写来源措施序号:只有该措施的责任单位工作人员可以维护这个参数。"
    if not _measure_changeable(user, measure_number):
        return f"{seed_measure_citation(measure_number)}不属于您所在的责任单位,不能新增或修改它的参数。"
    others = Parameter.objects.filter(key=key)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for number in set(others.values_list("measure_number", flat=True)):
        if number is None or not _measure_changeable(user, number):
            return f"参数“{key}”由其他责任单位维护,您不能为它新增或修改取值。"
    return ""


def _measure_changeable(user: Any, number: int) -> bool:
    # measure_number is the seed plan's number (Parameter.measure_number), not any document's.
    measure = Measure.objects.published().numbered(number).first()
    return measure is not None and measure.can_be_changed_by(user)


class ParameterForm(forms.ModelForm):
    """The parameter form, checked against the signed-in official's units (set by the admin)."""

    request_user: Any = None

    class Meta:
        model = Parameter
        fields = [
            "key",
            "label",
            "value",
            "unit",
            "valid_from",
            "valid_until",
            "measure_number",
            "source",
            "quote",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        key = data.get("key")
        if key and self.request_user is not None:
            problem = parameter_rights_problem(
                self.request_user, key, data.get("measure_number"), exclude_pk=self.instance.pk
            )
            if problem:
                raise forms.ValidationError(problem, code="permission")
        return data


@admin.register(Parameter)
class ParameterAdmin(SimpleHistoryAdmin):
    form = ParameterForm
    list_display = [
        "key",
        "label",
        "value",
        "unit",
        "valid_from",
        "valid_until",
        "measure_text",
        "source_text",
    ]
    list_filter = ["measure_number", "unit"]
    search_fields = ["key", "label", "quote", "source"]
    ordering = ["key", "valid_from"]
    actions = None  # no bulk delete: each deletion is checked against the rules that use it
    fieldsets = [
        (
            "参数",
            {
                "fields": ["key", "label", "value", "unit"],
                "description": "参数被资格条件和估算公式引用;修改后立即用于自测和接口。",
            },
        ),
        (
            "有效期",
            {
                "fields": ["valid_from", "valid_until"],
                "description": (
                    "取值调整时不要改原行:给原行填上失效日期(调整前一天),再新增一行同一参数键、"
                    "从调整当天生效的新取值。例如大型企业稳岗返还比例:0.3 至 2022-05-31,0.5 自 2022-06-01。"
                ),
            },
        ),
        ("出处", {"fields": ["measure_number", "source", "quote"]}),
    ]

    @admin.display(description="来源措施", ordering="measure_number")
    def measure_text(self, obj: Parameter) -> str:
        return obj.measure_citation

    @admin.display(description="出处")
    def source_text(self, obj: Parameter) -> str:
        if obj.source:
            return obj.source
        citation = obj.measure_citation
        # "本方案第9条" while the seed plan is alone; its 文号 once several documents are loaded.
        return f"本方案{citation}" if citation.startswith("第") else citation

    def _official_may_change(self, request: HttpRequest, obj: Parameter | None) -> bool:
        if request.user.is_superuser or obj is None:
            return True
        if obj.measure_number is None:
            return False
        # Parameters cite the seed plan's measure numbers (see Parameter.measure_number).
        measure = Measure.objects.published().numbered(obj.measure_number).first()
        return measure is not None and measure.can_be_changed_by(request.user)

    def get_form(
        self, request: HttpRequest, obj: Parameter | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # Every path that saves a row (add, change, history revert, the impact confirmation)
        # validates this form, so the unit check lives here rather than in each view.
        return type(form.__name__, (form,), {"request_user": request.user})

    def has_add_permission(self, request: HttpRequest) -> bool:
        allowed = super().has_add_permission(request)
        user = request.user
        return allowed and (
            user.is_superuser or Official.objects.filter(user=user, units__isnull=False).exists()
        )

    def has_change_permission(self, request: HttpRequest, obj: Parameter | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._official_may_change(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Parameter | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj) and self._official_may_change(request, obj)
        # A parameter still used by a published rule cannot go (give it an end date instead).
        return allowed and (obj is None or not check_without_parameters([obj.pk]))

    def save_model(self, request: HttpRequest, obj: Parameter, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        invalidate()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        """Before a parameter change takes effect, show whom it would move, and ask to confirm.

        A valid POST without ``_impact_confirmed`` renders the impact preview (golden cases and
        saved profiles screened with the current rules and with the edited parameter) and a form
        that re-posts the same values; only the confirmed POST saves.
        """
        if (
            request.method == "POST"
            and "_impact_confirmed" not in request.POST
            and IS_POPUP_VAR not in request.POST
        ):
            obj = self.get_object(request, object_id) if object_id else None
            allowed = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
            if allowed and (obj is not None or object_id is None):
                form = self.get_form(request, obj, change=obj is not None)(request.POST, instance=obj)
                if form.is_valid():
                    return self._rules_change_preview(request, form.save(commit=False))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _rules_change_preview(self, request: HttpRequest, edited: Parameter) -> HttpResponse:
        others = [p.as_data() for p in Parameter.objects.exclude(pk=edited.pk).order_by("key", "valid_from")]
        parameters = sorted([*others, edited.as_data()], key=lambda p: (p["key"], str(p["valid_from"])))
        before = load_ruleset()
        after = build_leniently(ruleset_data(parameters=parameters))
        sections = [rules_change_section(request, before, after)]
        fields = [(key, value) for key, values in request.POST.lists() for value in values]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"确认修改规则参数:{edited.label or edited.key}",
            "parameter": edited,
            "fields": fields,
            "sections": sections,
        }
        return TemplateResponse(request, "admin/policies/parameter/confirm_change.html", context)


class SizeRowFormSet(forms.BaseInlineFormSet):
    """Check the table as a whole (every tier present, one catch-all row, rules still valid)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or not self.instance.kind:
            return
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append(
                SizeRow(
                    name=data.get("name", ""),
                    codes=data.get("codes", ""),
                    tier=data.get("tier", ""),
                    limits=data.get("limits"),
                    order=data.get("order") or 0,
                )
            )
        problems = check_size_table(self.instance, rows)
        if problems:
            raise forms.ValidationError([message for _, message in problems])


class SizeRowForm(forms.ModelForm):
    class Meta:
        model = SizeRow
        fields = ["order", "name", "codes", "tier", "limits"]
        widgets = {"limits": forms.Textarea(attrs={"rows": 2, "cols": 60, "style": "font-family: monospace"})}


class SizeRowInline(admin.TabularInline):
    model = SizeRow
    formfield_overrides = STRICT_JSON_OVERRIDES
    form = SizeRowForm
    formset = SizeRowFormSet
    extra = 0
    fields = ["order", "name", "codes", "tier", "limits", "limits_in_words"]
    readonly_fields = ["limits_in_words"]

    @admin.display(description="限值说明")
    def limits_in_words(self, obj: SizeRow) -> str:
        return obj.limits_text() if obj.pk else ""


@admin.register(SizeStandard)
class SizeStandardAdmin(SimpleHistoryAdmin):
    list_display = ["key", "name", "kind", "valid_from", "valid_until"]
    search_fields = ["key", "name", "source"]
    inlines = [SizeRowInline]
    actions = None
    fieldsets = [
        ("标准", {"fields": ["key", "name", "kind", "source"]}),
        (
            "判断方式",
            {
                "fields": ["tiers", "fallback", "combine"],
                "description": (
                    "分档标准:每个行业按档次从大到小各填一行,一档须同时满足该行全部下限,边界值归入较大一档,"
                    "都达不到时为兜底档次。判断型标准:每个行业一行,按组合方式判断“全部满足”或“任一满足”。"
                    "行业按代码前缀匹配,最具体的一行优先;不填代码的一行适用于其他未列明行业。"
                ),
            },
        ),
        ("有效期", {"fields": ["valid_from", "valid_until"]}),
    ]

    # Size tables are shared by every measure: officials may look, only a superuser edits.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: SizeStandard | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: SizeStandard | None = None) -> bool:
        return request.user.is_superuser

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        invalidate()
