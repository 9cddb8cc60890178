"""Forms of the hotline console: search, call log and the short caller check."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout
from django import forms

from enterprises.selfcheck.forms import (
    QUESTIONS,
    UNKNOWN,
    UNKNOWN_LABEL,
    build_field,
    clean_equipment_rows,
    equipment_formset,
    profile_name,
    question_layout,
    to_initial,
    to_profile_value,
)
from policies.industry_picker import IndustryField
from policies.models import Measure

from .models import Call
from .search import measure_number


class SearchForm(forms.Form):
    # No max_length: an overlong question is cut by the search itself, never refused.
    q = forms.CharField(label="来电问题或条款序号", required=False)


class CallForm(forms.ModelForm):
    measure_numbers = forms.CharField(
        label="查阅的措施(条款序号)",
        required=False,
        help_text="用逗号或空格分隔,例如:9, 12;其他政策文件的措施写“文件编号-序号”,例如:2-5",
    )

    class Meta:
        model = Call
        fields = ["topic", "answered", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def clean_measure_numbers(self) -> list[Measure]:
        raw = self.cleaned_data.get("measure_numbers", "")
        pieces = [p for p in re.split(r"[\s,,、;;]+", raw) if p]
        # "9" is the seed plan's 第9条; "2-5" is 第5条 of document 2 (a measure's short_key). Anything
        # else goes through the search's own parser, so what finds a measure there (第9条, 九) is
        # accepted here too.
        keys: list[str] = []
        bad: list[str] = []
        for piece in pieces:
            if re.fullmatch(r"(\d{1,6}-)?\d{1,6}", piece):
                keys.append(piece)
            elif (number := measure_number(piece)) is not None:
                keys.append(str(number))
            else:
                bad.append(piece)
        if bad:
            raise forms.ValidationError(
                f"条款序号应为数字、“第9条”或“文件编号-序号”,以下无法识别:{'、'.join(bad[:5])}"
            )
        measures, missing = [], []
        for key in dict.fromkeys(keys):
            found = Measure.objects.published().by_short_key(key).first()
            if found is None:
                missing.append(key)
            elif found not in measures:
                measures.append(found)
        if missing:
            raise forms.ValidationError(f"没有这些序号的已发布措施:{'、'.join(missing)}")
        return measures


# The questions asked first on every call: they decide most measures. Everything else the
# questionnaire can ask is added once a first check shows it would settle an open measure.
FIRST_QUESTIONS = (
    "entity_type",
    "industry",
    "employees",
    "revenue_wan",
    "total_assets_wan",
    "taxable_income_wan",
    "vat_taxpayer",
    "is_specialized_sme",
    "owns_nev",
    "exports",
)


def caller_question(name: str) -> str:
    """The caller check's field for a questionnaire field (both industry levels are one picker)."""
    return "industry" if profile_name(name) == "industry" else name


class CallerCheckForm(forms.Form):
    """The questions for a caller, built from the questionnaire's own definitions (QUESTIONS).

    ``asked`` lists the profile fields to show: FIRST_QUESTIONS, then the ones a check showed
    could settle an open measure (``questions_for_missing``). Anything left blank stays unknown.
    """

    def __init__(
        self,
        data: Any = None,
        *,
        asked: Sequence[str] = FIRST_QUESTIONS,
        profile: dict[str, Any] | None = None,
        extra_equipment_rows: int = 0,
    ) -> None:
        profile = profile or {}
        super().__init__(data, initial=self._initial(asked, profile))
        self.asked = list(dict.fromkeys(asked))
        self.equipment_rows: forms.BaseFormSet | None = None
        self.equipment_items: list[dict[str, Any]] = []
        for name in self.asked:
            if name == "industry":
                question = QUESTIONS["industry_section"]
                self.fields[name] = IndustryField(
                    label="所属行业",
                    help_text="说出行业名称或代码即可,例如“机械”“汽车”或 C36;" + question.help,
                )
            elif name == "equipment":
                self.fields[name] = forms.ChoiceField(
                    label=QUESTIONS[name].label,
                    required=False,
                    choices=[("yes", "有,填写如下"), ("no", "没有"), (UNKNOWN, UNKNOWN_LABEL)],
                    widget=forms.RadioSelect,
                )
                self.equipment_rows = equipment_formset(data, profile.get("equipment"), extra_equipment_rows)
            else:
                self.fields[name] = build_field(name)

    @staticmethod
    def _initial(asked: Sequence[str], profile: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name in asked:
            if name == "industry":
                initial[name] = profile.get("industry") or ""
            elif name == "equipment":
                items = profile.get("equipment")
                initial[name] = UNKNOWN if items is None else ("yes" if items else "no")
            else:
                initial[name] = to_initial(name, profile.get(name))
        return initial

    def full_clean(self) -> None:
        super().full_clean()
        items = clean_equipment_rows(self, self.equipment_rows)
        if items is not None:
            self.equipment_items = items

    def profile(self) -> dict[str, Any]:
        """The answers in the API contract's profile shape; blank answers are left out (unknown)."""
        data = self.cleaned_data
        profile: dict[str, Any] = {}
        for name in self.asked:
            if name == "industry":
                value: Any = data.get(name) or None
            elif name == "equipment":
                value = {"yes": self.equipment_items, "no": []}.get(data.get(name) or "")
            else:
                value = to_profile_value(name, data.get(name))
            if value is not None:
                profile[name] = value
        return profile

    @classmethod
    def asked_in(cls, data: Any) -> list[str]:
        """The questions a submitted form showed: the first ones and any other it carries."""
        return [*FIRST_QUESTIONS, *(n for n in QUESTIONS if n in data and n not in FIRST_QUESTIONS)]


def caller_check_helper(form: CallerCheckForm, still_open: Sequence[str] = ()) -> FormHelper:
    """The caller check laid out as the questionnaire lays out the same questions.

    Questions a check has just shown to matter carry a 待问 badge, so the agent sees what to ask next.
    """
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    items: list[Any] = []
    for name in form.asked:
        parts = question_layout(name)
        if name in still_open:
            parts.insert(0, HTML('<span class="badge text-bg-warning float-end">待问</span>'))
        items.append(Div(*parts, css_id=f"q-{name}"))
    helper.layout = Layout(*items)
    return helper
