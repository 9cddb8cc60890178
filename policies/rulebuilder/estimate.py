"""Estimate JSON ↔ the common shapes officials pick, with the formula language as the fallback.

Shapes (amounts in 万元, an operand is a dated parameter ``p.key`` or a number):

- ``amount``  全额:        ``base``                              e.g. the retained VAT credit refunded in full
- ``rate``    金额×比例:    ``base * rate``
- ``capped``  金额×比例,封顶: ``min(base * rate, cap)``
- ``tiered``  分档比例:     ``base * (high if base >= threshold else low)``
- ``fixed``   定额:        ``operand``
- ``formula`` 自定义公式:   any formula, with ``let`` names written one per line as ``name = expression``

A formula is read as a shape only when it is written exactly as that shape writes it and has no
``let``; anything else is the ``formula`` shape, so every estimate round-trips unchanged. The
optional ``when`` condition is edited as condition rows (``tree``). Nothing here imports Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from policies.engine import PROFILE_FIELDS

from .tree import Row, from_rows, to_rows

SHAPES = {
    "none": "不估算金额",
    "amount": "全额(等于某项金额)",
    "rate": "金额 × 比例",
    "capped": "金额 × 比例,设最高限额",
    "tiered": "金额 × 分档比例",
    "fixed": "固定金额",
    "formula": "自定义公式(高级)",
}
KINDS = {"tax_saving": "减税", "refund": "退还", "subsidy": "补贴", "deduction": "扣除额", "cap": "支持上限"}
TIER_OPS = {">=": "不低于", ">": "高于", "<=": "不超过", "<": "低于"}
_OPERAND = r"(p\.[a-z][a-z0-9_]*|-?\d+(?:\.\d+)?)"
_FIELD = r"([a-z][a-z0-9_]*)"
_PATTERNS = {
    "amount": re.compile(rf"^{_FIELD}$"),
    "rate": re.compile(rf"^{_FIELD} \* {_OPERAND}$"),
    "capped": re.compile(rf"^min\({_FIELD} \* {_OPERAND}, {_OPERAND}\)$"),
    "tiered": re.compile(rf"^{_FIELD} \* \({_OPERAND} if {_FIELD} (>=|>|<=|<) {_OPERAND} else {_OPERAND}\)$"),
    "fixed": re.compile(rf"^{_OPERAND}$"),
}


def money_fields() -> dict[str, str]:
    """Profile amounts an estimate can start from, by name → label."""
    return {n: s.label for n, s in PROFILE_FIELDS.items() if s.kind == "number" and s.unit == "万元"}


@dataclass(frozen=True)
class EstimateForm:
    """An estimate as the builder shows it. Operands are ``p.key`` or a number, as text."""

    shape: str = "none"
    kind: str = ""
    base: str = ""
    rate: str = ""
    cap: str = ""
    threshold: str = ""
    tier_op: str = ">="
    low: str = ""
    formula: str = ""
    let: str = ""
    basis: str = ""
    when: tuple[Row, ...] = ()
    has_when: bool = False
    has_let: bool = False


def to_form(estimate: Any) -> EstimateForm:
    """The builder's view of an estimate (None: no estimate). Raises ValueError on a bad shape."""
    if estimate is None:
        return EstimateForm()
    if not isinstance(estimate, dict) or not set(estimate) <= {"kind", "when", "let", "formula", "basis"}:
        raise ValueError("估算应为含 kind、formula、basis 的对象")
    formula = estimate.get("formula", "")
    let = estimate.get("let")
    common = {
        "kind": str(estimate.get("kind", "")),
        "basis": str(estimate.get("basis", "")),
        "when": tuple(to_rows(estimate["when"])) if estimate.get("when") is not None else (),
        "has_when": "when" in estimate,
    }
    if not isinstance(formula, str):
        raise ValueError("公式应为文字")
    if let is None:
        for shape, pattern in _PATTERNS.items():
            found = pattern.match(formula)
            if not found:
                continue
            g = found.groups()
            if shape == "fixed":
                return EstimateForm("fixed", rate=g[0], **common)
            if g[0] not in money_fields():
                break
            if shape == "amount":
                return EstimateForm("amount", base=g[0], **common)
            if shape == "rate":
                return EstimateForm("rate", base=g[0], rate=g[1], **common)
            if shape == "capped":
                return EstimateForm("capped", base=g[0], rate=g[1], cap=g[2], **common)
            if shape == "tiered" and g[2] == g[0]:
                return EstimateForm(
                    "tiered", base=g[0], rate=g[1], tier_op=g[3], threshold=g[4], low=g[5], **common
                )
            break
    if let is not None and (
        not isinstance(let, list) or not all(isinstance(x, dict) and set(x) == {"name", "expr"} for x in let)
    ):
        raise ValueError("let 应为 [{name, expr}] 列表")
    lines = "\n".join(f"{x['name']} = {x['expr']}" for x in let) if let is not None else ""
    return EstimateForm("formula", formula=formula, let=lines, has_let=let is not None, **common)


def formula_of(form: EstimateForm) -> str:
    if form.shape == "amount":
        return form.base
    if form.shape == "rate":
        return f"{form.base} * {form.rate}"
    if form.shape == "capped":
        return f"min({form.base} * {form.rate}, {form.cap})"
    if form.shape == "tiered":
        return f"{form.base} * ({form.rate} if {form.base} {form.tier_op} {form.threshold} else {form.low})"
    if form.shape == "fixed":
        return form.rate
    return form.formula


def default_basis(form: EstimateForm) -> str:
    """A working for the official to start from, in the basis template language."""
    b, r, c = form.base, _text_operand(form.rate, pct=True), _text_operand(form.cap)
    if form.shape == "amount":
        return f"{{wan({b})}} = {{wan(result)}}"
    if form.shape == "rate":
        return f"{{wan({b})}} × {r} = {{wan(result)}}"
    if form.shape == "capped":
        return f"{{wan({b})}} × {r} = {{wan({b} * {form.rate})}},最高{c},为{{wan(result)}}"
    if form.shape == "tiered":
        return f"{{wan({b})}} × {{pct(result / {b})}} = {{wan(result)}}" if b else ""
    if form.shape == "fixed":
        return "{wan(result)}"
    return ""


def _text_operand(operand: str, pct: bool = False) -> str:
    fn = "pct" if pct else "wan"
    return f"{{{fn}({operand})}}" if operand else ""


def from_form(form: EstimateForm) -> tuple[Any, list[str], Any]:
    """(estimate JSON or None, problems in words, the built ``when`` condition)."""
    if form.shape == "none":
        return None, [], None
    problems: list[str] = []
    if form.kind not in KINDS:
        problems.append("请选择估算的类型(减税、退还、补贴、扣除额或支持上限)")
    needs = {
        "amount": ["base"],
        "rate": ["base", "rate"],
        "capped": ["base", "rate", "cap"],
        "tiered": ["base", "rate", "threshold", "low"],
        "fixed": ["rate"],
        "formula": ["formula"],
    }.get(form.shape)
    if needs is None:
        return None, ["请选择估算方式"], None
    names = {
        "base": "金额",
        "rate": "比例" if form.shape != "fixed" else "金额",
        "cap": "最高限额",
        "threshold": "分档界限",
        "low": "界限以下的比例",
        "formula": "公式",
    }
    for attr in needs:
        value = getattr(form, attr).strip()
        if not value:
            problems.append(f"请填写{names[attr]}")
        elif attr != "base" and attr != "formula" and not re.fullmatch(_OPERAND, value):
            problems.append(f"{names[attr]}应为数字(比例写小数,50%写0.5)或从列表中选择参数")
    if form.shape in ("amount", "rate", "capped", "tiered") and form.base and form.base not in money_fields():
        problems.append("请从列表中选择估算所依据的金额")
    data: dict[str, Any] = {"kind": form.kind}
    when = None
    if form.has_when or form.when:
        when = from_rows(list(form.when), root="estimate.when")
        if not form.when:
            problems.append("估算的适用条件为空:请添加条件,或去掉“仅在以下条件下估算”")
        data["when"] = when.condition
    if form.shape == "formula":
        lets = []
        for n, line in enumerate(form.let.splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, expr = line.partition("=")
            if not sep or not name.strip() or not expr.strip():
                problems.append(f"中间量第{n}行应写成“名称 = 表达式”,例如 rate = p.m9_rate_sme")
                continue
            lets.append({"name": name.strip(), "expr": expr.strip()})
        if form.has_let or lets:
            data["let"] = lets
    data["formula"] = formula_of(form)
    data["basis"] = form.basis if form.basis.strip() else default_basis(form)
    return (None if problems else data), problems, when
