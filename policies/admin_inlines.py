"""The inline rows of a measure in the officials' admin: its units, deadlines, lineage links and
eligibility rule, each editable on drafts only and only by officials with rights over the
measure. Every inline and its form is declared here, where MeasureAdmin (admin.py) lists them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from portal.security import STRICT_JSON_OVERRIDES

from .models import Deadline, EligibilityRule, Measure, MeasureLink, MeasureUnit, ResponsibleUnit
from .rules_loader import check_condition, describe_condition

JSON_WIDGET = forms.Textarea(
    attrs={"rows": 6, "cols": 100, "class": "vLargeTextField", "style": "font-family: monospace"}
)


class MeasureContentInline:
    """Inline rows of a measure: editable on drafts only, and only by officials with rights."""

    # NaN, 1e400, NUL or absurd nesting in a condition is a field error, not a 500.
    formfield_overrides = STRICT_JSON_OVERRIDES

    def _editable(self, request: HttpRequest, obj: Measure | None) -> bool:
        if obj is None:
            return True
        return obj.is_draft and obj.can_be_changed_by(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Measure | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


class UnitsInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        units = [
            f.cleaned_data["unit"]
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("unit")
        ]
        if not units:
            raise forms.ValidationError("至少需要一个责任单位。")
        user = getattr(self, "request_user", None)
        if user is not None and not user.is_superuser:
            own = set(ResponsibleUnit.objects.filter(officials__user=user))
            if not own & set(units):
                raise forms.ValidationError(
                    "责任单位中必须包含您所属的单位,否则保存后您将无法再修改这条措施。"
                )


class MeasureUnitInline(MeasureContentInline, admin.TabularInline):
    model = MeasureUnit
    formset = UnitsInlineFormSet
    extra = 0
    autocomplete_fields = ["unit"]

    def get_formset(self, request: HttpRequest, obj: Measure | None = None, **kwargs):  # noqa: ANN201
        formset = super().get_formset(request, obj, **kwargs)
        formset.request_user = request.user
        return formset


class DeadlineForm(forms.ModelForm):
    """A deadline's condition is a rule condition: check it with the engine."""

    class Meta:
        model = Deadline
        fields = ["date", "label", "condition"]
        widgets = {
            "condition": forms.Textarea(attrs={"rows": 2, "cols": 60, "style": "font-family: monospace"})
        }

    def clean_condition(self) -> Any:
        condition = self.cleaned_data.get("condition")
        if condition is not None:
            problems = check_condition(condition)
            if problems:
                raise forms.ValidationError(problems)
        return condition


class DeadlineInline(MeasureContentInline, admin.TabularInline):
    model = Deadline
    form = DeadlineForm
    extra = 0


class MeasureLinkInline(MeasureContentInline, admin.TabularInline):
    """Lineage: the later measures (of other documents) that extend, amend or replace this one."""

    model = MeasureLink
    fk_name = "measure"
    extra = 0
    autocomplete_fields = ["successor"]


class EligibilityRuleForm(forms.ModelForm):
    class Meta:
        model = EligibilityRule
        fields = ["condition", "estimate", "notes", "citation"]
        widgets = {"condition": JSON_WIDGET, "estimate": JSON_WIDGET, "notes": JSON_WIDGET}


class EligibilityRuleInline(MeasureContentInline, admin.StackedInline):
    model = EligibilityRule
    form = EligibilityRuleForm
    extra = 0
    max_num = 1
    can_delete = True
    verbose_name = "资格规则"
    verbose_name_plural = "资格规则(自测和接口据此判断“符合/不符合/需补充信息”)"
    readonly_fields = ["in_words"]
    fieldsets = [
        (
            None,
            {
                "fields": ["condition", "in_words", "estimate", "notes", "citation"],
                "description": (
                    "没有资格规则的措施显示为“相关信息”。条件中未填写的企业信息按“待确认”处理:"
                    "“不符合且待确认”为不符合,“符合或待确认”为符合。保存时会逐项检查写法。"
                ),
            },
        )
    ]

    @admin.display(description="条件说明")
    def in_words(self, obj: EligibilityRule) -> str:
        if obj is None or obj.pk is None:
            return "保存后显示条件的文字说明。"
        return describe_condition(obj.condition, timezone.localdate())
