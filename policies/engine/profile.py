"""The enterprise profile of the API contract: field descriptions, the dataclass and its validation.

Every field is optional; an absent field (or JSON ``null``) is *unknown*, which the engine keeps
apart from ``false`` and ``0``.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from . import industry as industries
from .errors import ProfileError
from .text import number

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class FieldSpec:
    """What a profile field holds and how it reads in Chinese."""

    name: str
    label: str
    kind: str  # int, number, enum, bool, date, industry, equipment
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    earliest: datetime.date | None = None  # dates: the contract's range
    latest: datetime.date | None = None
    choices: Mapping[Any, str] = field(default_factory=dict)
    yes: str = ""  # booleans: the sentence when true ...
    no: str = ""  # ... and when false
    ask: str = ""  # ... and the question while unknown

    def value_text(self, value: Any) -> str:
        """Render a value with its unit or Chinese label, e.g. ``150万元``, ``小规模纳税人``."""
        if self.choices:
            return self.choices.get(value, str(value))
        if self.kind == "date":
            return str(value.isoformat())
        return f"{number(value)}{self.unit}"


# The contract's ranges (revision 1.1): wide enough for any real enterprise, narrow enough that
# every figure the engine derives (元 amounts, sums over 100 equipment items) stays exact and fits
# a 64-bit integer, so anything inside gets an answer and anything outside is a 422.
MAX_EMPLOYEES = 10_000_000
MAX_AMOUNT_WAN = 1_000_000_000
MIN_AMOUNT_WAN = -1_000_000_000
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
MAX_EQUIPMENT_ITEMS = 100

_MONEY: dict[str, Any] = {"kind": "number", "unit": "万元", "minimum": 0, "maximum": MAX_AMOUNT_WAN}
_DATE: dict[str, Any] = {"kind": "date", "earliest": EARLIEST_DATE, "latest": LATEST_DATE}

PROFILE_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in [
        FieldSpec("as_of", "评估日期", **_DATE),
        FieldSpec("industry", "所属行业", "industry"),
        FieldSpec(
            "entity_type",
            "市场主体类型",
            "enum",
            choices={"enterprise": "企业", "individual_business": "个体工商户"},
        ),
        FieldSpec("employees", "从业人数", "int", unit="人", minimum=0, maximum=MAX_EMPLOYEES),
        FieldSpec("revenue_wan", "营业收入", **_MONEY),
        FieldSpec("total_assets_wan", "资产总额", **_MONEY),
        FieldSpec(
            "taxable_income_wan",
            "应纳税所得额",
            "number",
            unit="万元",
            minimum=MIN_AMOUNT_WAN,
            maximum=MAX_AMOUNT_WAN,
        ),
        FieldSpec(
            "vat_taxpayer",
            "增值税纳税人类型",
            "enum",
            choices={"small_scale": "小规模纳税人", "general": "一般纳税人"},
        ),
        FieldSpec(
            "tax_credit_rating",
            "纳税信用等级",
            "enum",
            choices={"A": "A级", "B": "B级", "M": "M级", "C": "C级", "D": "D级"},
        ),
        FieldSpec(
            "is_tech_sme",
            "科技型中小企业",
            "bool",
            yes="是科技型中小企业",
            no="不是科技型中小企业",
            ask="是否为科技型中小企业",
        ),
        FieldSpec(
            "is_specialized_sme",
            "专精特新中小企业",
            "bool",
            yes="是“专精特新”中小企业",
            no="不是“专精特新”中小企业",
            ask="是否为“专精特新”中小企业",
        ),
        FieldSpec(
            "is_chain_leader",
            "产业链“链主”企业",
            "bool",
            yes="是产业链“链主”企业",
            no="不是产业链“链主”企业",
            ask="是否为产业链“链主”企业",
        ),
        FieldSpec("rd_expense_wan", "研发费用", **_MONEY),
        FieldSpec("equipment", "新购置设备", "equipment"),
        FieldSpec(
            "owns_nev",
            "新能源汽车",
            "bool",
            yes="拥有新能源汽车",
            no="没有新能源汽车",
            ask="是否拥有新能源汽车",
        ),
        FieldSpec("ui_premium_last_year_wan", "上年度实际缴纳失业保险费", **_MONEY),
        FieldSpec("layoff_rate_pct", "上年度裁员率", "number", unit="%", minimum=0, maximum=100),
        FieldSpec("retained_vat_credit_wan", "存量留抵税额", **_MONEY),
        FieldSpec("exports", "出口业务", "bool", yes="有出口业务", no="没有出口业务", ask="是否有出口业务"),
        FieldSpec("first_batch_premium_wan", "首批次保险年度保费", **_MONEY),
        FieldSpec("tech_retrofit_investment_wan", "技术改造项目固定资产投资", **_MONEY),
        FieldSpec(
            "env_performance_grade",
            "重污染天气绩效分级",
            "enum",
            choices={"A": "A级", "B": "B级", "C": "C级", "D": "D级"},
        ),
        FieldSpec(
            "vat_refund_clean_record",
            "留抵退税纳税记录",
            "bool",
            yes="近36个月无骗取留抵退税、骗取出口退税、虚开增值税专用发票或两次以上偷税处罚,"
            "2019年4月1日起未享受增值税即征即退、先征后返(退)",
            no="不符合留抵退税的纳税记录条件(有骗税、虚开、偷税处罚或已享受即征即退、先征后返(退))",
            ask="是否符合留抵退税的纳税记录条件(近36个月无骗取留抵退税、骗取出口退税、"
            "虚开增值税专用发票或两次以上偷税处罚,2019年4月1日起未享受增值税即征即退、先征后返(退))",
        ),
        FieldSpec(
            "revenue_tier_first_reached",
            "营业收入首次进档",
            "bool",
            yes="本年度营业收入首次达到10亿元、50亿元或100亿元档",
            no="本年度营业收入不是首次达到所在档次",
            ask="本年度营业收入是否首次达到10亿元、50亿元或100亿元档",
        ),
        FieldSpec(
            "first_batch_in_catalogue",
            "重点新材料首批次产品",
            "bool",
            yes="投保产品是符合山西省保险补偿要求的重点新材料首批次产品",
            no="投保产品不是符合山西省保险补偿要求的重点新材料首批次产品",
            ask="投保产品是否为符合山西省保险补偿要求的重点新材料首批次产品",
        ),
    ]
}

EQUIPMENT_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in [
        FieldSpec(
            "unit_value_wan",
            "单位价值",
            "number",
            unit="万元",
            minimum=0,
            maximum=MAX_AMOUNT_WAN,
            exclusive_minimum=True,
        ),
        FieldSpec(
            "min_depreciation_years",
            "最低折旧年限",
            "int",
            unit="年",
            choices={3: "3年", 4: "4年", 5: "5年", 10: "10年"},
        ),
        FieldSpec("purchase_date", "购置日期", **_DATE),
    ]
}


@dataclass(frozen=True)
class Equipment:
    unit_value_wan: float
    min_depreciation_years: int
    purchase_date: datetime.date


@dataclass(frozen=True)
class Profile:
    """A validated profile; ``None`` means unknown."""

    as_of: datetime.date
    industry: str | None = None
    entity_type: str | None = None
    employees: int | None = None
    revenue_wan: float | None = None
    total_assets_wan: float | None = None
    taxable_income_wan: float | None = None
    vat_taxpayer: str | None = None
    tax_credit_rating: str | None = None
    is_tech_sme: bool | None = None
    is_specialized_sme: bool | None = None
    is_chain_leader: bool | None = None
    rd_expense_wan: float | None = None
    equipment: tuple[Equipment, ...] | None = None
    owns_nev: bool | None = None
    ui_premium_last_year_wan: float | None = None
    layoff_rate_pct: float | None = None
    retained_vat_credit_wan: float | None = None
    exports: bool | None = None
    first_batch_premium_wan: float | None = None
    tech_retrofit_investment_wan: float | None = None
    env_performance_grade: str | None = None
    vat_refund_clean_record: bool | None = None
    revenue_tier_first_reached: bool | None = None
    first_batch_in_catalogue: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the known fields in the contract's JSON shape."""
        data: dict[str, Any] = {}
        for name in PROFILE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif name == "equipment":
                value = [
                    {
                        "unit_value_wan": e.unit_value_wan,
                        "min_depreciation_years": e.min_depreciation_years,
                        "purchase_date": e.purchase_date.isoformat(),
                    }
                    for e in value
                ]
            data[name] = value
        return data


def validate_profile(data: object, *, today: datetime.date | None = None) -> Profile:
    """Check a decoded JSON profile against the contract and return it as a Profile.

    Raises ProfileError naming every bad field. A missing ``as_of`` becomes ``today`` (by
    default the current date in Asia/Shanghai).
    """
    if not isinstance(data, Mapping):
        raise ProfileError([("body", '请求体应为JSON对象,例如 {"employees": 120}')])
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for key, raw in data.items():
        spec = PROFILE_FIELDS.get(key) if isinstance(key, str) else None
        if spec is None:
            errors.append((str(key), f"不支持的字段“{key}”,请对照接口文档中的企业画像字段"))
            continue
        if raw is None:
            continue
        if spec.kind == "equipment":
            value = _check_equipment(raw, errors)
        else:
            value = _check_value(spec, raw, key, errors)
        if value is not None:
            values[key] = value
    if errors:
        raise ProfileError(errors)
    if "as_of" not in values:
        values["as_of"] = today or datetime.datetime.now(_LOCAL_TZ).date()
    return Profile(**values)


def _check_equipment(raw: object, errors: list[tuple[str, str]]) -> tuple[Equipment, ...] | None:
    if not isinstance(raw, list):
        errors.append(("equipment", "新购置设备应为列表,没有新购置设备时填 []"))
        return None
    if len(raw) > MAX_EQUIPMENT_ITEMS:
        errors.append(("equipment", f"新购置设备最多填写{MAX_EQUIPMENT_ITEMS}台"))
        return None
    items: list[Equipment] = []
    ok = True
    for index, item in enumerate(raw):
        where = f"equipment[{index}]"
        if not isinstance(item, Mapping):
            errors.append(
                (where, "每台设备应为对象,包含unit_value_wan、min_depreciation_years、purchase_date")
            )
            ok = False
            continue
        fields: dict[str, Any] = {}
        for key in item:
            if key not in EQUIPMENT_FIELDS:
                errors.append((f"{where}.{key}", f"不支持的设备字段“{key}”"))
                ok = False
        for name, spec in EQUIPMENT_FIELDS.items():
            path = f"{where}.{name}"
            if item.get(name) is None:
                errors.append((path, f"{spec.label}必须填写"))
                ok = False
                continue
            value = _check_value(spec, item[name], path, errors)
            if value is None:
                ok = False
            fields[name] = value
        if ok:
            items.append(Equipment(**fields))
    return tuple(items) if ok else None


def _check_value(spec: FieldSpec, raw: object, path: str, errors: list[tuple[str, str]]) -> Any:
    """Return the checked value, or None after recording an error."""
    label = spec.label
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        errors.append((path, f"{label}应为 true 或 false"))
    elif spec.kind == "enum":
        if isinstance(raw, str) and raw in spec.choices:
            return raw
        allowed = "、".join(f"{k}({v})" for k, v in spec.choices.items())
        errors.append((path, f"{label}应为以下之一:{allowed}"))
    elif spec.kind == "date":
        return _check_date(spec, raw, path, errors)
    elif spec.kind == "industry":
        if not isinstance(raw, str):
            errors.append((path, '所属行业应为国民经济行业代码字符串,例如"C36"'))
            return None
        problem = industries.code_problem(raw)
        if problem:
            errors.append((path, problem))
            return None
        return raw
    elif spec.kind in ("int", "number"):
        return _check_number(spec, raw, path, errors)
    return None


def _check_date(
    spec: FieldSpec, raw: object, path: str, errors: list[tuple[str, str]]
) -> datetime.date | None:
    label = spec.label
    if not isinstance(raw, str) or not _DATE_RE.match(raw):
        errors.append((path, f"{label}应为YYYY-MM-DD格式的日期,例如2022-05-10"))
        return None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        errors.append((path, f"{label}“{raw}”不是有效日期"))
        return None
    if (spec.earliest and day < spec.earliest) or (spec.latest and day > spec.latest):
        # Every date field has both ends (str of a date is its ISO form).
        errors.append((path, f"{label}应在{spec.earliest}到{spec.latest}之间"))
        return None
    return day


def _check_number(
    spec: FieldSpec, raw: object, path: str, errors: list[tuple[str, str]]
) -> float | int | None:
    label = spec.label
    if spec.kind == "int":
        if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
            raw = int(raw)  # JSON Schema's integer: 686.0 is 686 (what generated clients may send)
        if isinstance(raw, bool) or not isinstance(raw, int):
            errors.append((path, f"{label}应为整数"))
            return None
    elif isinstance(raw, bool) or not isinstance(raw, int | float):
        errors.append((path, f"{label}应为数字"))
        return None
    elif isinstance(raw, float) and not math.isfinite(raw):
        errors.append((path, f"{label}应为有限的数字"))
        return None
    if spec.choices and raw not in spec.choices:
        allowed = "、".join(str(c) for c in spec.choices)
        errors.append((path, f"{label}应为{allowed}之一"))
        return None
    if spec.minimum is not None:
        if spec.exclusive_minimum and raw <= spec.minimum:
            errors.append((path, f"{label}应大于{spec.minimum:g}"))
            return None
        if raw < spec.minimum:
            errors.append((path, f"{label}不能为负数" if spec.minimum == 0 else range_message(spec)))
            return None
    if spec.maximum is not None and raw > spec.maximum:
        errors.append((path, range_message(spec)))
        return None
    return raw


def range_message(spec: FieldSpec) -> str:
    """The Chinese sentence for a number outside its range (shared with the forms)."""
    unit = spec.unit
    low, high = spec.minimum, spec.maximum
    assert low is not None, spec.name  # every ranged field has a lower end; only some an upper
    if high is None:
        return f"{spec.label}不能为负数" if low == 0 else f"{spec.label}不能小于{number(low)}{unit}"
    if low == 0 and spec.exclusive_minimum:
        return f"{spec.label}应大于0且不超过{number(high)}{unit}"
    return f"{spec.label}应在{number(low)}{unit}到{number(high)}{unit}之间"
