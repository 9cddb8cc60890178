"""Warnings about answers that are valid but hardly possible, shown next to the field.

The engine refuses what the contract forbids (negative staff, a date out of range); it cannot
know that 25,000,000万元 of assets for 80 people is almost surely 元 typed into a 万元 field. These
checks only warn: the enterprise confirms the figure (a tick box) or corrects it. Thresholds
come from settings.SELFCHECK_PLAUSIBILITY, each with its source there.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings

CONFIRM_FIELD = "plausible_ok"  # the tick box; its value lists the warnings it confirms


@dataclass(frozen=True)
class Warning:
    code: str
    fields: tuple[str, ...]  # profile fields the warning is shown next to (where asked)
    message: str


def _limits() -> dict[str, Any]:
    return settings.SELFCHECK_PLAUSIBILITY


def _wan(value: float) -> str:
    return f"{value:,.0f}万元" if value >= 100 else f"{value:g}万元"


def warnings_for(profile: dict[str, Any]) -> list[Warning]:
    """Every implausible combination in a profile (empty when all is believable)."""
    limits = _limits()
    found: list[Warning] = []
    staff = profile.get("employees")
    per_person = limits["max_wan_per_employee"]
    for name, label in (("total_assets_wan", "资产总额"), ("revenue_wan", "营业收入")):
        amount = profile.get(name)
        if staff and amount is not None and amount / staff > per_person:
            found.append(
                Warning(
                    f"{name}_per_employee",
                    (name,),
                    f"{label}{_wan(amount)},平均每名从业人员{_wan(amount / staff)},远高于一般企业。"
                    f"金额的单位是万元(1万元=10,000元),是否把“元”填成了“万元”?",
                )
            )
    revenue = profile.get("revenue_wan")
    ceiling = limits["small_scale_ceiling_wan"]
    if profile.get("vat_taxpayer") == "small_scale" and revenue is not None and revenue > ceiling:
        found.append(
            Warning(
                "small_scale_sales",
                ("vat_taxpayer", "revenue_wan"),
                f"营业收入{_wan(revenue)},超过小规模纳税人年销售额{_wan(ceiling)}的标准"
                f"({limits['small_scale_source']});请核对纳税人类型或营业收入。",
            )
        )
    income = profile.get("taxable_income_wan")
    if income is not None and revenue is not None and income > revenue:
        found.append(
            Warning(
                "income_above_revenue",
                ("taxable_income_wan",),
                f"应纳税所得额{_wan(income)}高于营业收入{_wan(revenue)},一般不会出现;请核对两个数的单位和年度。",
            )
        )
    max_staff = limits["tech_sme_max_employees"]
    if profile.get("is_tech_sme") and staff is not None and staff > max_staff:
        found.append(
            Warning(
                "tech_sme_staff",
                ("is_tech_sme", "employees"),
                f"从业人数{staff}人,超过科技型中小企业{max_staff}人的上限({limits['tech_sme_source']});"
                "请核对是否已入库登记。",
            )
        )
    as_of = profile.get("as_of")
    late = [e for e in profile.get("equipment") or [] if as_of and e.get("purchase_date", "") > as_of]
    if late:
        day = datetime.date.fromisoformat(as_of)
        found.append(
            Warning(
                "equipment_after_as_of",
                ("equipment",),
                f"有{len(late)}台设备的购置日期晚于评估日期({day:%Y年%-m月%-d日});"
                "评估只看评估日当天的情况,请核对购置日期或评估日期。",
            )
        )
    return found


def unconfirmed(profile: dict[str, Any], shown_fields: set[str], confirmed: str) -> list[Warning]:
    """The warnings to show on a form with ``shown_fields``, less those the tick box confirmed.

    A warning shows where one of its fields is asked, so it appears on the step where the
    second, contradicting answer is given; the tick box's value names the warnings it confirms,
    so a new warning after a change is shown again.
    """
    done = set(filter(None, confirmed.split(",")))
    return [w for w in warnings_for(profile) if set(w.fields) & shown_fields and w.code not in done]
