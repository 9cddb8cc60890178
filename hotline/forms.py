"""Forms of the hotline console: search, call log and the short caller check."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from policies.engine.profile import MAX_AMOUNT_WAN, MIN_AMOUNT_WAN, PROFILE_FIELDS, range_message
from policies.models import Measure

from .models import Call


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
        # "9" is the seed plan's 第9条; "2-5" is 第5条 of document 2 (a measure's short_key).
        bad = [p for p in pieces if not re.fullmatch(r"(\d{1,6}-)?\d{1,6}", p)]
        if bad:
            raise forms.ValidationError(f"条款序号应为数字或“文件编号-序号”,以下无法识别:{'、'.join(bad[:5])}")
        measures, missing = [], []
        for key in dict.fromkeys(pieces):
            found = Measure.objects.published().by_short_key(key).first()
            if found is None:
                missing.append(key)
            elif found not in measures:
                measures.append(found)
        if missing:
            raise forms.ValidationError(f"没有这些序号的已发布措施:{'、'.join(missing)}")
        return measures


YES_NO_UNKNOWN = [("", "不清楚"), ("yes", "是"), ("no", "否")]
FOLLOW_UPS = ("vat_refund_clean_record", "revenue_tier_first_reached", "first_batch_in_catalogue")


def _number_errors(name: str, integer: bool = False) -> dict[str, str]:
    """Chinese errors for a number field, with the contract's range (the same as the API's)."""
    spec = PROFILE_FIELDS[name]
    kind = "整数" if integer else "数字"
    return {
        "invalid": f"{spec.label}请填写{kind},例如 120;不清楚可留空。",
        "min_value": f"{spec.label}不能为负数。" if spec.minimum == 0 else f"{range_message(spec)}。",
        "max_value": f"{range_message(spec)}。",
        "max_digits": f"{range_message(spec)}。",
        "max_whole_digits": f"{range_message(spec)}。",
        "max_decimal_places": f"{spec.label}最多保留2位小数。",
    }


class CallerCheckForm(forms.Form):
    """The few questions that decide most measures; anything left blank stays unknown."""

    entity_type = forms.ChoiceField(
        label="主体类型",
        required=False,
        choices=[("", "不清楚"), ("enterprise", "企业"), ("individual_business", "个体工商户")],
    )
    industry = forms.CharField(
        label="行业代码",
        required=False,
        max_length=5,
        help_text="国民经济行业分类代码,例如:C(制造业)、C36、F52、I65",
    )
    employees = forms.IntegerField(
        label="从业人数",
        required=False,
        min_value=0,
        max_value=PROFILE_FIELDS["employees"].maximum,
        error_messages=_number_errors("employees", integer=True),
    )
    revenue_wan = forms.DecimalField(
        label="上年营业收入(万元)",
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT_WAN,
        max_digits=14,
        decimal_places=2,
        error_messages=_number_errors("revenue_wan"),
    )
    total_assets_wan = forms.DecimalField(
        label="资产总额(万元)",
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT_WAN,
        max_digits=14,
        decimal_places=2,
        error_messages=_number_errors("total_assets_wan"),
    )
    taxable_income_wan = forms.DecimalField(
        label="年应纳税所得额(万元)",
        required=False,
        min_value=MIN_AMOUNT_WAN,
        max_value=MAX_AMOUNT_WAN,
        max_digits=14,
        decimal_places=2,
        error_messages=_number_errors("taxable_income_wan"),
    )
    vat_taxpayer = forms.ChoiceField(
        label="增值税纳税人类型",
        required=False,
        choices=[("", "不清楚"), ("small_scale", "小规模纳税人"), ("general", "一般纳税人")],
    )
    is_specialized_sme = forms.ChoiceField(label="专精特新中小企业", required=False, choices=YES_NO_UNKNOWN)
    owns_nev = forms.ChoiceField(label="有新能源汽车", required=False, choices=YES_NO_UNKNOWN)
    exports = forms.ChoiceField(label="有出口业务", required=False, choices=YES_NO_UNKNOWN)
    # Follow-up questions (contract 1.1): shown only once the first answers show they can change
    # a result (see ``keep_follow_ups``), in words a caller understands.
    vat_refund_clean_record = forms.ChoiceField(
        label="近36个月没有骗取退税、虚开增值税专用发票或两次以上偷税处罚,也没享受过即征即退、先征后返",
        required=False,
        choices=YES_NO_UNKNOWN,
        help_text="申请留抵退税的条件;都没有选“是”",
    )
    revenue_tier_first_reached = forms.ChoiceField(
        label="今年营业收入是首次达到10亿、50亿或100亿元",
        required=False,
        choices=YES_NO_UNKNOWN,
        help_text="“链主”企业进档奖励只给首次达到的",
    )
    first_batch_in_catalogue = forms.ChoiceField(
        label="投保的是符合山西省保险补偿要求的重点新材料首批次产品",
        required=False,
        choices=YES_NO_UNKNOWN,
    )

    def clean_industry(self) -> str:
        from policies.models import Industry

        code = (self.cleaned_data.get("industry") or "").strip().upper()
        if code and not Industry.objects.filter(code=code).exists():
            raise forms.ValidationError("没有这个行业代码,请填写门类字母加数字,例如 C36。")
        return code

    def profile(self) -> dict[str, Any]:
        """The answers in the API contract's profile shape; blank answers are left out (unknown)."""
        data = self.cleaned_data
        profile: dict[str, Any] = {}
        for name in ("entity_type", "industry", "vat_taxpayer"):
            if data.get(name):
                profile[name] = data[name]
        if data.get("employees") is not None:
            profile["employees"] = data["employees"]
        for name in ("revenue_wan", "total_assets_wan", "taxable_income_wan"):
            if data.get(name) is not None:
                profile[name] = float(data[name])
        for name in ("is_specialized_sme", "owns_nev", "exports", *FOLLOW_UPS):
            if data.get(name) in ("yes", "no"):
                profile[name] = data[name] == "yes"
        return profile

    def keep_follow_ups(self, open_fields: frozenset[str] | set[str]) -> None:
        """Keep only the follow-up questions that can still change a result (or were answered)."""
        answered = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        for name in FOLLOW_UPS:
            if name not in open_fields and answered.get(name) not in ("yes", "no"):
                self.fields.pop(name, None)
