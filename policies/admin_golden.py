"""Admin for golden cases, and the impact preview the publish pages show.

Golden cases are reference profiles with the statuses officials expect; the list shows whether
the published rules still give them. Before a measure draft is published, its publish page
shows which golden cases and saved profiles would gain or lose a measure, and so does the
confirmation page of a parameter change for every checkable measure (see impact.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join

from portal.security import STRICT_JSON_OVERRIDES

from . import impact, screening
from .engine import STATUS_LABELS, EngineError, ProfileError, RuleSet
from .models import GoldenCase, Measure


def _mismatches(case: GoldenCase) -> list[tuple[int, str, str]]:
    """(measure, expected, actual) where the published rules disagree with the case."""
    try:
        answer = screening.screen_profile(case.profile)
    except ProfileError:
        return [(0, "有效的企业画像", "画像无效")]
    # Golden cases describe the seed plan, whose measures come first; a later document's
    # measure with the same number must not stand in for it.
    actual: dict[int, str] = {}
    for r in answer.results:
        actual.setdefault(r.measure, r.status)
    return [
        (number, status, actual.get(number, screening.ABSENT))
        for number, status in sorted(case.expected_statuses().items())
        if actual.get(number) != status
    ]


class GoldenCaseForm(forms.ModelForm):
    class Meta:
        model = GoldenCase
        fields = ["name", "description", "profile", "expected", "expected_size_class_300"]
        # Officials know a case by its Chinese name; the slug is only its code.
        labels = {"name": "代码", "description": "名称"}
        help_texts = {
            "description": "官员看到的案例名称,例如:小型制造企业,可享受多项政策",
            "name": "英文短名,仅作标识,例如:manufacturing-small-many-benefits",
        }

    def clean_profile(self) -> Any:
        profile = self.cleaned_data["profile"]
        try:
            screening.check_profile(profile)
        except ProfileError as exc:
            raise forms.ValidationError([f"{field}:{message}" for field, message in exc.errors]) from None
        return profile

    def clean_expected(self) -> Any:
        expected = self.cleaned_data["expected"]
        example = '例如 {"7": {"status": "eligible"}}'
        if not isinstance(expected, dict):
            raise forms.ValidationError(f"预期结果应为按条款序号列出的对象,{example}")
        problems = []
        for number, item in expected.items():
            if not str(number).isdigit():
                problems.append(f"“{number}”不是条款序号")
            elif not isinstance(item, dict) or item.get("status") not in STATUS_LABELS:
                problems.append(f"第{number}条的 status 应为 {'、'.join(STATUS_LABELS)} 之一")
        if problems:
            raise forms.ValidationError(problems)
        return expected


@admin.register(GoldenCase)
class GoldenCaseAdmin(admin.ModelAdmin):
    form = GoldenCaseForm
    formfield_overrides = STRICT_JSON_OVERRIDES  # a profile with NaN or NUL is a field error
    list_display = ["display_name", "code", "check_against_published_rules"]
    search_fields = ["name", "description"]
    readonly_fields = ["check_detail"]
    fieldsets = [
        (None, {"fields": ["description", "name"]}),
        (
            "企业画像与预期结果",
            {
                "fields": ["profile", "expected", "expected_size_class_300"],
                "description": "企业画像按接口约定的字段填写(金额单位为万元,未填写的字段视为“不清楚”);"
                "预期结果按条款序号列出状态:eligible 可享受、ineligible 暂不符合、needs_info 需补充信息、"
                "informational 相关信息。发布规则修改前,系统会用这些案例检查影响。",
            },
        ),
        ("与现行规则核对", {"fields": ["check_detail"]}),
    ]

    @admin.display(description="名称", ordering="description")
    def display_name(self, obj: GoldenCase) -> str:
        return obj.description or obj.name

    @admin.display(description="代码", ordering="name")
    def code(self, obj: GoldenCase) -> str:
        return obj.name

    @admin.display(description="与现行规则核对")
    def check_against_published_rules(self, obj: GoldenCase) -> str:
        wrong = _mismatches(obj)
        if not wrong:
            return "✓ 全部符合预期"
        return f"✗ {len(wrong)}条与预期不符:" + "、".join(f"第{n}条" for n, _, _ in wrong if n)

    @admin.display(description="核对结果")
    def check_detail(self, obj: GoldenCase) -> str:
        if obj.pk is None:
            return "保存后显示。"
        wrong = _mismatches(obj)
        if not wrong:
            return "按现行已发布的规则,所有预期结果都成立。"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>第{}条:预期“{}”,现行规则为“{}”</li>",
                ((n, STATUS_LABELS.get(e, e), STATUS_LABELS.get(a, a)) for n, e, a in wrong),
            ),
        )


def impact_preview_section(request: HttpRequest, draft: Measure) -> str:
    """The publish page's impact preview: golden cases and saved profiles the draft would move."""
    try:
        before, after = screening.draft_rules(draft)
    except EngineError as exc:
        message = f"资格规则无法使用,暂无法预览影响:{exc}"
        return render_to_string("admin/enterprises/impact_preview.html", {"unavailable": message})
    result = impact.preview(before, after, [draft.number], document=draft.document.number)
    return render_to_string("admin/enterprises/impact_preview.html", {"impact": result, "draft": draft})


def rules_change_section(request: HttpRequest, before: RuleSet, after: RuleSet) -> str:
    """The impact of a parameter change on every checkable measure (parameters are shared)."""
    measures = [m.number for m in after.measures if m.condition is not None]
    result = impact.preview(before, after, measures)
    return render_to_string(
        "admin/enterprises/impact_preview.html", {"impact": result, "change_title": "参数修改前后"}
    )
