"""The self-check questionnaire: one form per step, built from the engine's profile fields.

Every question may be left at 不清楚: a number left empty or a choice left at 不清楚 becomes an
absent field of the profile (unknown), never 0 or false. Forms work without JavaScript; the
equipment list grows one row at a time through a plain submit button.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crispy_forms.bootstrap import AppendedText, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms

from policies.engine import EARLIEST_DATE, EQUIPMENT_FIELDS, LATEST_DATE, PROFILE_FIELDS, range_message
from policies.industry_picker import IndustryField

UNKNOWN = ""  # the value of every 不清楚 choice
UNKNOWN_LABEL = "不清楚"


@dataclass(frozen=True)
class Question:
    label: str
    help: str = ""


# How each profile field is asked. Labels are questions an enterprise's accountant can answer;
# units are shown next to the input, so the help text gives an example rather than the unit.
QUESTIONS: dict[str, Question] = {
    "as_of": Question("评估日期", "按哪一天适用的政策来评估,例如申报所属期内的某一天。"),
    "industry_section": Question(
        "主营业务所属行业", "按国民经济行业分类(GB/T 4754-2017),可参考营业执照的经营范围。"
    ),
    "industry_detail": Question("所属行业(大类)", "选择最接近主营业务的大类;房地产业请选到中类。"),
    "entity_type": Question("市场主体类型", "营业执照上的类型:企业(公司、合伙企业等)或个体工商户。"),
    "employees": Question("从业人数", "上一年度平均从业人数,包括劳务派遣人员,例如 120。"),
    "revenue_wan": Question("上一会计年度营业收入", "例如 8000(即8000万元);也按年增值税销售额使用。"),
    "total_assets_wan": Question("资产总额", "最近一期资产负债表的资产总计,例如 4800。"),
    "taxable_income_wan": Question("年度应纳税所得额", "企业所得税年度应纳税所得额,亏损填负数或0,例如 150。"),
    "vat_taxpayer": Question("增值税纳税人类型", ""),
    "tax_credit_rating": Question("纳税信用等级", "可在电子税务局查询;新设立企业一般为M级。"),
    "retained_vat_credit_wan": Question("存量留抵税额", "增值税期末留抵税额中的存量部分,没有填0,例如 80。"),
    "vat_refund_clean_record": Question(
        "近36个月是否没有骗取留抵退税、骗取出口退税、虚开增值税专用发票,也没有两次以上偷税处罚,"
        "并且2019年4月1日以来没有享受过增值税即征即退或先征后返(退)?",
        "这是申请留抵退税的条件(财政部 税务总局公告2022年第14号第三条);都没有请选“是”。",
    ),
    "ui_premium_last_year_wan": Question(
        "上年度实际缴纳失业保险费", "单位和职工合计实际缴纳的金额,例如 12.5。"
    ),
    "layoff_rate_pct": Question(
        "上年度裁员率", "上年度减少的参保职工占年初参保职工的比例,没有裁员填0,例如 2。"
    ),
    "rd_expense_wan": Question("本年度研发费用(费用化部分)", "没有研发投入填0,例如 300。"),
    "is_tech_sme": Question("是否已入库登记为科技型中小企业", ""),
    "is_specialized_sme": Question("是否被认定为“专精特新”中小企业", ""),
    "is_chain_leader": Question("是否为省级重点产业链“链主”企业", ""),
    "revenue_tier_first_reached": Question(
        "本年度营业收入是否首次达到10亿元、50亿元或100亿元?",
        "“链主”企业年度营业收入首次达到这些档次时可获进档奖励;以前年度已达到过本档的选“否”。",
    ),
    "equipment": Question(
        "本年度是否新购置了设备、器具", "只需填写单价较高的几台(套);同一型号多台请分行或只填一行。"
    ),
    "tech_retrofit_investment_wan": Question(
        "技术改造项目固定资产投资", "正在实施的技改项目的固定资产投资额,没有填0,例如 3000。"
    ),
    "first_batch_premium_wan": Question("重点新材料首批次保险年度保费", "没有投保填0,例如 800。"),
    "first_batch_in_catalogue": Question(
        "投保的产品是否为符合山西省保险补偿要求的重点新材料首批次产品?",
        "以工信部《重点新材料首批次应用示范指导目录》和省里的保险补偿要求为准。",
    ),
    "exports": Question("是否有出口业务", ""),
    "owns_nev": Question("是否拥有新能源汽车", ""),
    "env_performance_grade": Question("重污染天气重点行业绩效分级", "不属于绩效分级管理的行业请选“不清楚”。"),
}


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    fields: tuple[str, ...]
    intro: str = ""


STEPS: tuple[Step, ...] = (
    Step(
        "basic",
        "基本情况",
        ("as_of", "industry_section", "entity_type", "employees", "revenue_wan", "total_assets_wan"),
        "行业和规模决定了大部分政策是否适用。",
    ),
    Step("industry", "所属行业", ("industry_detail",), "有的政策只适用于某些行业大类,请再细选一级。"),
    Step(
        "tax",
        "税务",
        (
            "taxable_income_wan",
            "vat_taxpayer",
            "tax_credit_rating",
            "retained_vat_credit_wan",
            "vat_refund_clean_record",
        ),
        "以下数据可在电子税务局或企业财务报表中查到。",
    ),
    Step("employment", "用工", ("ui_premium_last_year_wan", "layoff_rate_pct"), "用于判断失业保险稳岗返还。"),
    Step(
        "investment",
        "投资与研发",
        (
            "rd_expense_wan",
            "is_tech_sme",
            "is_specialized_sme",
            "is_chain_leader",
            "revenue_tier_first_reached",
            "equipment",
            "tech_retrofit_investment_wan",
            "first_batch_premium_wan",
            "first_batch_in_catalogue",
        ),
        "",
    ),
    Step("trade", "外贸与环保", ("exports", "owns_nev", "env_performance_grade"), ""),
)
STEP_BY_SLUG: dict[str, Step] = {step.slug: step for step in STEPS}

# Questionnaire fields that are not profile fields of the same name.
INDUSTRY_FIELDS = ("industry_section", "industry_detail")


def profile_name(field_name: str) -> str:
    """The profile field a questionnaire field fills in."""
    return "industry" if field_name in INDUSTRY_FIELDS else field_name


# --- fields --------------------------------------------------------------------------------


def _normalise_number(text: str, unit: str) -> str:
    """Accept what people type: full-width digits, thousands separators, the unit repeated."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.replace(",", "").replace(" ", "").replace("—", "-").replace("−", "-")
    for suffix in filter(None, (unit, unit.removesuffix("元"), "%", "人")):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    return text


class AmountField(forms.DecimalField):
    """A number that tolerates the way people type it (``1,500``, ``１５０``, ``150万元``)."""

    def __init__(self, *, unit: str, **kwargs: Any) -> None:
        self.unit = unit
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = _normalise_number(value, self.unit)
        return super().to_python(value)


class CountField(forms.IntegerField):
    def __init__(self, *, unit: str, **kwargs: Any) -> None:
        self.unit = unit
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = _normalise_number(value, self.unit)
        return super().to_python(value)


def date_range_validator(label: str) -> Callable[[datetime.date], None]:
    """The contract's date range (2000-01-01 to 2099-12-31) as a form validator."""

    def check(value: datetime.date) -> None:
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                f"{label}应在{EARLIEST_DATE:%Y年%m月%d日}到{LATEST_DATE:%Y年%m月%d日}之间。"
            )

    return check


def _date_field(label: str, help_text: str, required: bool) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[date_range_validator(label)],
        error_messages={
            "invalid": f"{label}不是一个存在的日期,请按 2022-05-10 的格式填写。",
            "required": f"请填写{label},例如 2022-05-10。",
        },
    )


def _radio(label: str, help_text: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    allowed = "、".join(f"“{text}”" for _, text in choices)
    return forms.ChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": f"请在{allowed}中选择一项。"},
    )


def build_field(name: str) -> forms.Field:
    """A form field for one profile field, with Chinese errors naming the question."""
    question = QUESTIONS[name]
    spec = PROFILE_FIELDS[name]
    label, help_text = question.label, question.help
    if spec.kind == "date":
        return _date_field(label, help_text, required=False)
    if spec.kind == "bool":
        return _radio(label, help_text, [("yes", "是"), ("no", "否"), (UNKNOWN, UNKNOWN_LABEL)])
    if spec.kind == "enum":
        return _radio(
            label, help_text, [*((str(k), v) for k, v in spec.choices.items()), (UNKNOWN, UNKNOWN_LABEL)]
        )
    short = spec.label
    common = {
        "label": label,
        "help_text": help_text,
        "required": False,
        "unit": spec.unit,
        "widget": forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "不清楚可留空"}
        ),
    }
    if spec.kind == "int":
        common["widget"].attrs["inputmode"] = "numeric"
        return CountField(
            min_value=spec.minimum,
            max_value=spec.maximum,
            error_messages={
                "invalid": f"{short}请填写整数(单位:{spec.unit}),例如 120;不清楚可留空。",
                "min_value": f"{short}不能为负数。",
                "max_value": f"{range_message(spec)}。",
            },
            **common,
        )
    messages = {
        "invalid": f"{short}请填写数字(单位:{spec.unit}),例如 150 或 12.5;不清楚可留空。",
        "min_value": f"{short}不能为负数。" if spec.minimum == 0 else f"{range_message(spec)}。",
        "max_value": f"{range_message(spec)}。",
        "max_digits": f"{short}数值过大,请核对单位是否为{spec.unit}。",
        "max_whole_digits": f"{short}数值过大,请核对单位是否为{spec.unit}。",
        "max_decimal_places": f"{short}最多保留4位小数。",
    }
    return AmountField(
        min_value=spec.minimum,
        max_value=spec.maximum,
        max_digits=16,
        decimal_places=4,
        # Django %-formats messages that carry parameters, so a literal "%" unit must be doubled.
        error_messages={code: text.replace("%", "%%") for code, text in messages.items()},
        **common,
    )


def to_profile_value(name: str, value: Any) -> Any:
    """Turn a cleaned form value into the profile's JSON value; None means unknown (absent)."""
    if value in (None, UNKNOWN):
        return None
    spec = PROFILE_FIELDS[name]
    if spec.kind == "bool":
        return value == "yes"
    if spec.kind == "date":
        return value.isoformat()
    if isinstance(value, Decimal):
        return json_number(value)
    return value


def json_number(value: Decimal) -> int | float:
    """Whole amounts stay integers (150, not 150.0) so the stored profile reads as typed."""
    return int(value) if value == value.to_integral_value() else float(value)


def to_initial(name: str, value: Any) -> Any:
    """The form's initial value for a stored profile value."""
    if value is None:
        return UNKNOWN
    spec = PROFILE_FIELDS[name]
    if spec.kind == "bool":
        return "yes" if value else "no"
    return value


# --- the equipment list ---------------------------------------------------------------------


class EquipmentRowForm(forms.Form):
    """One piece of equipment; a row left entirely empty is ignored."""

    unit_value_wan = AmountField(
        label="单位价值",
        unit="万元",
        required=False,
        min_value=Decimal("0.0001"),
        max_value=EQUIPMENT_FIELDS["unit_value_wan"].maximum,
        max_digits=16,
        decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": "单位价值请填写数字(单位:万元),例如 600。",
            "min_value": "单位价值应大于0。",
            "max_value": f"{range_message(EQUIPMENT_FIELDS['unit_value_wan'])}。",
            "max_digits": "单位价值数值过大,请核对单位是否为万元。",
            "max_whole_digits": "单位价值数值过大,请核对单位是否为万元。",
            "max_decimal_places": "单位价值最多保留4位小数。",
        },
    )
    min_depreciation_years = forms.TypedChoiceField(
        label="最低折旧年限",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            (UNKNOWN, "请选择"),
            *((str(k), v) for k, v in EQUIPMENT_FIELDS["min_depreciation_years"].choices.items()),
        ],
        help_text="企业所得税法实施条例规定的年限",
        error_messages={"invalid_choice": "最低折旧年限只能是3年、4年、5年或10年。"},
    )
    purchase_date = _date_field("购置日期", "", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        filled = {k: v for k, v in data.items() if v not in (None, "")}
        if filled and len(filled) < len(self.fields):
            for name, field in self.fields.items():
                if name not in filled:
                    self.add_error(name, f"请填写{field.label},或清空这一行。")
        return data

    def item(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data or data.get("unit_value_wan") is None:
            return None
        return {
            "unit_value_wan": json_number(data["unit_value_wan"]),
            "min_depreciation_years": data["min_depreciation_years"],
            "purchase_date": data["purchase_date"].isoformat(),
        }


MIN_EQUIPMENT_ROWS = 3


def equipment_formset(
    data: Any = None, items: list[dict[str, Any]] | None = None, extra: int = 0
) -> forms.BaseFormSet:
    """The equipment rows: the stored items plus empty rows (at least three in all)."""
    initial = [
        {
            "unit_value_wan": i["unit_value_wan"],
            "min_depreciation_years": str(i["min_depreciation_years"]),
            "purchase_date": i["purchase_date"],
        }
        for i in items or []
    ]
    formset_class = forms.formset_factory(
        EquipmentRowForm,
        extra=max(MIN_EQUIPMENT_ROWS - len(initial), 1) + extra,
        max_num=30,
        absolute_max=30,
    )
    formset = formset_class(data, initial=initial, prefix="equipment")
    for form in formset:
        form.empty_permitted = True
        form.use_required_attribute = False
    return formset


def clean_equipment_rows(form: forms.Form, rows: forms.BaseFormSet | None) -> list[dict[str, Any]] | None:
    """Check a form's equipment answer against its rows (after ``full_clean``); the items, or
    None when there are no rows or they need correcting (the errors are then on ``equipment``)."""
    if rows is None or not form.is_bound:
        return None
    if not rows.is_valid():
        form.add_error("equipment", "设备明细中有需要修改的地方,请查看下方提示。")
        return None
    items = [item for row in rows.forms if (item := row.item())]
    choice = form.cleaned_data.get("equipment") if hasattr(form, "cleaned_data") else None
    if choice == "yes" and not items:
        form.add_error("equipment", "请至少填写一台设备,或选择“没有”或“不清楚”。")
    elif choice != "yes" and items and "equipment" not in form.errors:
        form.add_error("equipment", "已填写设备明细,请选择“有”,或清空设备明细。")
    return items


def question_layout(name: str) -> list[Any]:
    """One question laid out as the questionnaire shows it: amounts with their unit, choices
    as radio buttons, the equipment rows under their question."""
    spec = PROFILE_FIELDS.get(name)
    if name == "equipment":
        return [InlineRadios(name), HTML('{% include "enterprises/_equipment_rows.html" %}')]
    if spec and spec.kind in ("int", "number"):
        return [AppendedText(name, spec.unit, wrapper_class="amount-field")]
    if spec and spec.kind in ("bool", "enum"):
        return [InlineRadios(name)]
    return [Field(name)]


# --- the step form --------------------------------------------------------------------------


class StepForm(forms.Form):
    """The questions of one step that can still change a result.

    ``asked`` lists the questionnaire fields to show; the others of the step are skipped and
    keep whatever the profile already holds.
    """

    def __init__(
        self,
        *args: Any,
        step: Step | None,
        asked: list[str],
        profile: dict[str, Any],
        industry_choices: dict[str, list] | None = None,
        as_of_default: datetime.date | None = None,
        extra_equipment_rows: int = 0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", initial_for(asked, profile, as_of_default))
        super().__init__(*args, **kwargs)
        self.step = step
        self.asked = asked
        self.equipment_rows: forms.BaseFormSet | None = None
        self.extra_equipment_rows = extra_equipment_rows
        for name in asked:
            if name == "industry_section":
                # Typed by name or code (the hotline's caller check uses the same picker); the
                # next step still refines a section to its division when a rule needs it.
                self.fields[name] = IndustryField(
                    label=QUESTIONS[name].label,
                    help_text=f"{QUESTIONS[name].help}输入名称或代码即可,例如“机械”“汽车”或 C36;不清楚可留空。",
                )
            elif name == "industry_detail":
                self.fields[name] = forms.ChoiceField(
                    label=QUESTIONS[name].label,
                    help_text=QUESTIONS[name].help,
                    required=False,
                    choices=(industry_choices or {}).get("details", []),
                    error_messages={"invalid_choice": "请从列表中选择行业大类,或选择“不清楚具体大类”。"},
                )
            elif name == "equipment":
                self.fields[name] = _radio(
                    QUESTIONS[name].label,
                    "",
                    [("yes", "有,填写如下"), ("no", "没有"), (UNKNOWN, UNKNOWN_LABEL)],
                )
                self.equipment_rows = equipment_formset(
                    self.data if self.is_bound else None, profile.get("equipment"), extra_equipment_rows
                )
            elif name == "as_of":
                self.fields[name] = _date_field(QUESTIONS[name].label, QUESTIONS[name].help, required=False)
            else:
                self.fields[name] = build_field(name)
        self.helper = self._helper()

    @property
    def equipment_open(self) -> bool:
        """Whether the equipment rows show open: only once the answer is 有 (or a row has a
        problem to fix); after 没有 or 不清楚 three empty rows would only lengthen the page."""
        if self.equipment_rows is None:
            return False
        if self.extra_equipment_rows:
            return True  # "再加一行" was just pressed
        if self.is_bound:
            return self.data.get("equipment") == "yes" or any(f.errors for f in self.equipment_rows.forms)
        return self.initial.get("equipment") == "yes"

    def _helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        items: list[Any] = []
        for name in self.asked:
            # A stable anchor per profile field, so the result page can link to the question.
            items.append(Div(*question_layout(name), css_id=f"q-{profile_name(name)}"))
        helper.layout = Layout(*items)
        return helper

    def full_clean(self) -> None:
        super().full_clean()
        items = clean_equipment_rows(self, self.equipment_rows)
        if items is not None:
            self.equipment_items = items

    def profile_updates(self) -> dict[str, Any]:
        """The answers as profile fields; a value of None removes the field (unknown)."""
        updates: dict[str, Any] = {}
        for name in self.asked:
            value = self.cleaned_data.get(name)
            if name in INDUSTRY_FIELDS:
                updates["industry"] = value or None
            elif name == "equipment":
                updates["equipment"] = {"yes": self.equipment_items, "no": []}.get(value)
            else:
                updates[name] = to_profile_value(name, value)
        return updates


def initial_for(
    asked: list[str], profile: dict[str, Any], as_of_default: datetime.date | None
) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    industry = profile.get("industry") or UNKNOWN
    for name in asked:
        if name == "industry_section":
            initial[name] = industry[:1]
        elif name == "industry_detail":
            initial[name] = industry
        elif name == "equipment":
            items = profile.get("equipment")
            initial[name] = UNKNOWN if items is None else ("yes" if items else "no")
        elif name == "as_of":
            initial[name] = profile.get("as_of") or (as_of_default.isoformat() if as_of_default else "")
        else:
            initial[name] = to_initial(name, profile.get(name))
    return initial


def equipment_row_helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(
        Row(
            Column(AppendedText("unit_value_wan", "万元"), css_class="col-12 col-sm-4"),
            Column("min_depreciation_years", css_class="col-6 col-sm-4"),
            Column("purchase_date", css_class="col-6 col-sm-4"),
        )
    )
    return helper
