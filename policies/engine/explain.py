"""Conditions in words: the reason each leaf gives a profile, and a condition as a requirement.

The condition classes (``conditions``) and size tables (``sizes``) only decide; this module says
what they decided, as cronsim's ``explain`` says a cron expression. ``reason`` is the sentence a
screening shows for one leaf (``从业人数120人,不超过300人``); ``requirement`` the condition as a
requirement (``从业人数不超过300人``); ``describe`` a whole tree (``同时满足:...;...``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from . import industry as industries
from .conditions import (
    Compare,
    Condition,
    Context,
    EquipmentAny,
    IndustryIn,
    ItemCompare,
    ItemGroup,
    Leaf,
    SizeIn,
)
from .sizes import SIZE_FIELDS, Limit, SizeGroup
from .text import DATE_OP_PHRASES, OP_PHRASES, amount, join_or


def describe(condition: Condition, ctx: Context) -> str:
    """The condition as a sentence, e.g. ``同时满足:市场主体类型为企业;有出口业务``."""

    def walk(i: int, top: bool) -> str:
        kind, operands = condition.nodes[i]
        if kind == "leaf":
            return requirement(condition.leaves[operands[0]], ctx)
        parts = [walk(child, False) for child in operands]
        if len(parts) == 1:
            return parts[0]
        text = ("同时满足:" if kind == "all" else "满足其一:") + ";".join(parts)
        return text if top else f"({text})"

    return walk(len(condition.nodes) - 1, True)


def requirement(node: Leaf | ItemCompare | ItemGroup, ctx: Context) -> str:
    """A leaf or an equipment condition as a requirement, e.g. ``从业人数不超过300人``."""
    return _REQUIREMENTS[type(node)](node, ctx)


def reason(leaf: Leaf, ctx: Context, outcome: bool | None) -> str:
    """What a leaf found in the profile, e.g. ``从业人数120人,不超过300人``."""
    return _REASONS[type(leaf)](leaf, ctx, outcome)


# ---------------------------------------------------------------------------------------------
# Comparisons of a profile field


@functools.cache
def _phrases(op: str, kind: str) -> tuple[str, str, str]:
    """(when the value meets it, when it does not, as a requirement) for an operator on a kind."""
    if op in ("in", "==") and kind != "bool":
        return ("属于" if op == "in" else "为", "不属于" if op == "in" else "不是", "为")
    if op in ("not_in", "!=") and kind != "bool":
        return ("不属于" if op == "not_in" else "不是", "属于" if op == "not_in" else "为", "不属于")
    if kind == "date":
        return DATE_OP_PHRASES[op]
    return OP_PHRASES.get(op, ("等于", "不等于", "等于"))


def _target_text(leaf: Compare, ctx: Context) -> str:
    spec = leaf.spec
    if leaf.op in ("in", "not_in"):
        return "、".join(spec.value_text(v) for v in leaf.options)
    target = leaf.threshold.for_text(ctx)
    if target is None:
        # Unreachable with a valid rule set (every parameter has a nearest version); reasons
        # are for people, so never the internal key.
        return "(该项标准暂无有效取值,请咨询主管部门)"
    if spec.kind in ("int", "number"):
        return amount(target, spec.unit)
    return spec.value_text(target)


def _compare_requirement(leaf: Compare, ctx: Context) -> str:
    spec = leaf.spec
    if spec.kind == "bool":
        wanted = (leaf.op == "==") == bool(leaf.threshold.literal)
        return spec.yes if wanted else spec.no
    if spec.kind == "enum" and leaf.op in ("in", "=="):
        options = leaf.options if leaf.op == "in" else (leaf.threshold.literal,)
        return f"{leaf.label}为{join_or([spec.value_text(v) for v in options])}"
    return f"{leaf.label}{_phrases(leaf.op, spec.kind)[2]}{_target_text(leaf, ctx)}"


def _compare_reason(leaf: Compare, ctx: Context, outcome: bool | None) -> str:
    spec = leaf.spec
    value = ctx.values.get(spec.name)
    if value is None:
        if spec.kind == "bool":
            wanted = (leaf.op == "==") == bool(leaf.threshold.literal)
            return f"{leaf.label}未填写,需确认{spec.ask if wanted else '是否' + spec.no}"
        return f"{leaf.label}未填写,需确认是否{_compare_requirement(leaf, ctx).removeprefix(leaf.label)}"
    if spec.kind == "bool":
        return spec.yes if value else spec.no
    shown = f"{leaf.label}{spec.value_text(value) if spec.kind != 'enum' else '为' + spec.value_text(value)}"
    if outcome is None:
        return f"{shown},{_target_text(leaf, ctx)}"
    if spec.kind == "enum" and (leaf.op, outcome) in (("==", True), ("!=", False)):
        return shown
    met, not_met, _ = _phrases(leaf.op, spec.kind)
    return f"{shown},{met if outcome else not_met}{_target_text(leaf, ctx)}"


# ---------------------------------------------------------------------------------------------
# Industry


@functools.lru_cache(maxsize=4096)
def _industries_shown(prefixes: tuple[str, ...], label: str | None) -> str:
    """``C(制造业)、I65`` or, with a label, ``负面清单行业(C16、F)``."""
    if label:
        return f"{label}({'、'.join(prefixes)})"
    return "、".join(f"{p}({industries.section_name(p)})" if len(p) == 1 else p for p in prefixes)


def _industry_requirement(leaf: IndustryIn, ctx: Context) -> str:
    return f"所属行业{'不属于' if leaf.negated else '属于'}{_industries_shown(leaf.prefixes, leaf.label)}"


def _industry_reason(leaf: IndustryIn, ctx: Context, outcome: bool | None) -> str:
    code = ctx.values.get("industry")
    if code is None:
        return f"所属行业未填写,需确认是否{_industry_requirement(leaf, ctx).removeprefix('所属行业')}"
    if outcome is None:
        wanted = _industry_requirement(leaf, ctx).removeprefix("所属行业")
        return f"所属行业仅填写到{code},需细化行业代码以确认是否{wanted}"
    inside = outcome != leaf.negated
    return f"所属行业{code},{'属于' if inside else '不属于'}{_industries_shown(leaf.prefixes, leaf.label)}"


# ---------------------------------------------------------------------------------------------
# Size standards


def limit_requirement(limit: Limit) -> str:
    """One limit of a size table, e.g. ``从业人数不低于1000人``."""
    label, unit, _, _ = SIZE_FIELDS[limit.field]
    return f"{label}{OP_PHRASES[limit.op][2]}{amount(limit.value, unit)}"


def _row_values(group: SizeGroup, values: Mapping[str, Any]) -> str:
    """The row name and the indicators it uses, e.g. ``工业,从业人数120人、营业收入8000万元``."""
    parts = []
    for name, _ in group.fields:
        label, unit, _, _ = SIZE_FIELDS[name]
        v = values.get(name)
        parts.append(f"{label}{amount(v, unit)}" if v is not None else f"{label}未填写")
    return f"{group.name},{'、'.join(parts)}" if group.codes else "、".join(parts)


@functools.lru_cache(maxsize=4096)
def _limits_requirement(limits: tuple[Limit, ...], combine: str) -> str:
    """A test standard's limits, e.g. ``从业人数不超过1000人或营业收入不超过40000万元``."""
    return ("、" if combine == "all" else "或").join(limit_requirement(limit) for limit in limits)


def _row_failing(group: SizeGroup, values: Mapping[str, Any]) -> list[str]:
    """For test standards: the known indicators that miss their limit, in words."""
    out = []
    for limit in group.by_tier.get("", ()):
        v = values.get(limit.field)
        if v is not None and not limit.holds(v):
            label, unit, _, _ = SIZE_FIELDS[limit.field]
            out.append(f"{label}{amount(v, unit)},{OP_PHRASES[limit.op][1]}{amount(limit.value, unit)}")
    return out


def _size_requirement(leaf: SizeIn, ctx: Context) -> str:
    standard = ctx.standard(leaf.key)
    if standard is None:
        return "符合企业规模标准"
    if standard.kind == "test":
        verb = "符合" if True in leaf.expected else "不符合"
        return f"{verb}{standard.name}"
    tiers = [t for t in (*standard.tiers, standard.fallback) if t in leaf.expected]
    return f"按{standard.name}为{join_or([standard.label(t) for t in tiers])}企业"


def _size_reason(leaf: SizeIn, ctx: Context, outcome: bool | None) -> str:
    standard = ctx.standard(leaf.key)
    size = ctx.size(leaf.key)
    if standard is None or size is None:
        return "企业规模标准暂无有效版本,请咨询主管部门"
    values = ctx.values
    if len(size.rows) == 1:
        described = _row_values(size.rows[0], values)
    else:
        code = values.get("industry")
        where = "所属行业未填写" if code is None else f"所属行业仅填写到{code}"
        described = f"{where},可能适用{'、'.join(r.name for r in size.rows)}的标准"
    if standard.kind == "test":
        only = size.rows[0] if len(size.rows) == 1 else None
        detail = f"({_limits_requirement(only.by_tier.get('', ()), standard.combine)})" if only else ""
        passed = size.value
        if passed is None:
            return f"{described},需确认是否符合{standard.name}{detail}"
        if not passed and only is not None:
            failing = _row_failing(only, values)
            if failing and standard.combine == "all":
                described = ";".join(failing)
        return f"{described},{'符合' if passed else '不符合'}{standard.name}{detail}"
    order = [*standard.tiers, standard.fallback]
    possible = [standard.label(t) for t in order if t in size.possible]
    wanted = [standard.label(t) for t in order if t in leaf.expected]
    if outcome is None:
        return f"{described},按{standard.name}可能为{join_or(possible)}企业,需确认是否为{join_or(wanted)}企业"
    verdict = "属于" if outcome else "不属于"
    return f"{described},按{standard.name}为{join_or(possible)}企业,{verdict}{'、'.join(wanted)}企业"


# ---------------------------------------------------------------------------------------------
# Equipment


def _item_requirement(item: ItemCompare, ctx: Context) -> str:
    spec = item.spec
    target = item.threshold.for_text(ctx)
    shown = spec.value_text(target) if spec.kind != "number" else amount(target, spec.unit)
    if item.op in ("==", "!="):
        return f"{spec.label}{'为' if item.op == '==' else '不是'}{shown}"
    phrases = DATE_OP_PHRASES if spec.kind == "date" else OP_PHRASES
    return f"{spec.label}{phrases[item.op][2]}{shown}"


def _group_requirement(group: ItemGroup, ctx: Context) -> str:
    parts = [requirement(c, ctx) for c in group.children]
    if group.mode == "all":
        return "、".join(parts)
    return "(" + "或".join(parts) + ")"


def _equipment_requirement(leaf: EquipmentAny, ctx: Context) -> str:
    verb = "没有" if leaf.negated else "有"
    return f"{verb}新购置设备同时满足:{requirement(leaf.item, ctx)}"


def _equipment_reason(leaf: EquipmentAny, ctx: Context, outcome: bool | None) -> str:
    items = ctx.values.get("equipment")
    wanted = requirement(leaf.item, ctx)
    if items is None:
        return f"新购置设备未填写,需确认是否{_equipment_requirement(leaf, ctx)}"
    if not items:
        return f"未填报新购置设备,需有设备满足:{wanted}"
    matching = leaf.matching(ctx) or []
    if matching:
        return f"新购置设备{len(items)}台,其中{len(matching)}台满足:{wanted}"
    return f"新购置设备{len(items)}台,均不满足:{wanted}"


_REQUIREMENTS: dict[type, Callable[[Any, Context], str]] = {
    Compare: _compare_requirement,
    IndustryIn: _industry_requirement,
    SizeIn: _size_requirement,
    EquipmentAny: _equipment_requirement,
    ItemCompare: _item_requirement,
    ItemGroup: _group_requirement,
}
_REASONS: dict[type, Callable[[Any, Context, bool | None], str]] = {
    Compare: _compare_reason,
    IndustryIn: _industry_reason,
    SizeIn: _size_reason,
    EquipmentAny: _equipment_reason,
}
