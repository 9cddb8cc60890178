"""The "只差一项" advice on a result card, written as a person would give it.

The engine names the one condition that alone keeps a measure out of reach (``failed_by``).
Whether that condition is within the enterprise's reach is not the engine's business: one can
start a 技术改造 project or insure a 首批次 product, but one cannot stop being a 一般纳税人 at
3,000万元 of sales, or change industry. So advice is given only for the conditions listed
here, each as a sentence an adviser at the hotline would say; for every other condition the
card just shows the reasons.
"""

from __future__ import annotations

from typing import Any

from policies.engine import INELIGIBLE

# profile field -> advice. Only fields the enterprise can change by its own action during the
# plan period; every sentence ends with what to do on this portal once it has changed.
REACHABLE: dict[str, str] = {
    "tech_retrofit_investment_wan": (
        "本条支持正在实施技术改造项目的企业。如果贵企业今年有技改项目(已备案或正在实施),"
        "把项目的固定资产投资额填进回答,即可重新评估。"
    ),
    "first_batch_premium_wan": (
        "本条补贴重点新材料首批次应用保险的保费。如果贵企业的产品在目录内,投保后把年度保费填进回答,"
        "即可重新评估。"
    ),
    "is_specialized_sme": (
        "本条面向已认定的“专精特新”中小企业。如果贵企业有意申报,可向当地工业和信息化部门了解认定条件;"
        "获得认定后修改回答,即可重新评估。"
    ),
    "env_performance_grade": (
        "本条面向重污染天气绩效分级为A级、B级的企业。提升绩效等级需经生态环境部门评定;"
        "评定结果变化后修改回答,即可重新评估。"
    ),
}


def for_result(result: dict[str, Any]) -> str:
    """The advice for a result's one missing condition, or "" where none would help."""
    if result["status"] != INELIGIBLE or not result.get("failed_by"):
        return ""
    criterion = next((c for c in result.get("criteria", []) if c["text"] == result["failed_by"]), None)
    fields = criterion["fields"] if criterion else []
    if len(fields) != 1 or fields[0] not in REACHABLE:
        return ""
    return REACHABLE[fields[0]]
