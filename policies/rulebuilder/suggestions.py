"""The rule builder's suggestions from the measure's own text (``policies.suggest``).

Each suggestion is shown with its quote; the official accepts it (a condition becomes a 条件 row,
a figure the estimate's 比例, 最高限额 or 金额), ignores it, or opens a new parameter with it. An
accepted row is an ordinary row afterwards, edited like any other. Which suggestions were
accepted or ignored travels with the page as hidden ``sg-done`` inputs (``c0:accepted``), so
the list stays as the official left it across the builder's refreshes. Nothing here saves.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from policies.engine import EQUIPMENT_FIELDS, PROFILE_FIELDS
from policies.suggest import ConditionSuggestion, FigureSuggestion, Suggestions, suggest

from . import tree
from .state import BuilderState, Post
from .tree import Row

ACCEPTED, IGNORED = "accepted", "ignored"
# What a figure may become in the estimate, by the figure's kind: (target, button label).
FIGURE_TARGETS = {
    "rate": [("rate", "用作估算比例")],
    "cap": [("cap", "用作最高限额"), ("amount", "用作固定金额")],
    "amount": [("amount", "用作固定金额"), ("cap", "用作最高限额")],
}
_UNIT_WORDS = {"fraction": "", "date": "", "万元": "万元", "年": "年", "月": "个月", "人": "人"}
_KIND_WORDS = {
    "rate": "比例",
    "cap": "最高限额",
    "amount": "金额",
    "date": "日期",
    "duration": "期限",
    "count": "人数",
}


@dataclass
class SuggestionView:
    """One suggestion as the page shows it."""

    key: str  # c<i> for a condition, f<i> for a figure
    quote: str
    words: str
    status: str = ""
    targets: list[tuple[str, str]] = field(default_factory=list)  # (action, label)
    parameter_url: str = ""


def read(text: str, year: int | None) -> Suggestions:
    return suggest(text or "", default_year=year)


def plan_year(valid_from: datetime.date | None) -> int | None:
    """Dates written without a year (6月底前) are the measure's own year."""
    return valid_from.year if valid_from else None


def done_from_post(post: Post | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if post is None:
        return out
    for item in post.getlist("sg-done"):
        key, _, status = str(item).partition(":")
        if status in (ACCEPTED, IGNORED) and key[:1] in ("c", "f") and key[1:].isdigit():
            out[key] = status
    return out


def _spec(name: str) -> tuple[Any, bool]:
    if name.startswith("equipment."):
        return EQUIPMENT_FIELDS.get(name.removeprefix("equipment.")), True
    return PROFILE_FIELDS.get(name), False


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(_value_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_words(c: ConditionSuggestion) -> str:
    spec, in_equipment = _spec(c.field)
    label = spec.label if spec else c.field
    ops = tree.ops_for(spec)
    values = c.value if isinstance(c.value, list | tuple) else [c.value]
    if spec is not None and spec.choices:
        shown = "、".join(str(spec.choices.get(v, v)) for v in values)
    else:
        shown = "、".join(_value_text(v) for v in values) + (spec.unit if spec and spec.unit else "")
    prefix = "新购置设备的" if in_equipment else ""
    return f"{prefix}{label} {ops.get(c.op, c.op)} {shown}"


def figure_words(f: FigureSuggestion) -> str:
    if f.unit == "fraction":
        shown = f"{float(f.value) * 100:g}%"
    else:
        shown = f"{f.value}{_UNIT_WORDS.get(f.unit, f.unit)}"
    return f"{_KIND_WORDS.get(f.kind, '数值')} {shown}"


def views(
    found: Suggestions, done: dict[str, str], parameter_add_url: str, number: int
) -> list[SuggestionView]:
    out = []
    for i, c in enumerate(found.conditions):
        key = f"c{i}"
        out.append(
            SuggestionView(
                key, c.quote, condition_words(c), done.get(key, ""), [(f"suggest:accept:{key}", "添加为条件")]
            )
        )
    for i, f in enumerate(found.figures):
        key = f"f{i}"
        targets = [(f"suggest:{target}:{key}", label) for target, label in FIGURE_TARGETS.get(f.kind, [])]
        unit = {"fraction": "比例", "date": "日期"}.get(f.unit, f.unit)
        value = f.value if not str(f.value).startswith("--") else ""
        query = urlencode({"value": value, "unit": unit, "quote": f.quote, "measure_number": number})
        out.append(
            SuggestionView(
                key, f.quote, figure_words(f), done.get(key, ""), targets, f"{parameter_add_url}?{query}"
            )
        )
    return out


def _rows_for(c: ConditionSuggestion) -> list[Row]:
    """A condition's row; an equipment field's row inside a 新购置设备 row."""
    if c.field.startswith("equipment."):
        leaf = Row(
            depth=1,
            kind="field",
            field=c.field.removeprefix("equipment."),
            op=c.op,
            value=_value_text(c.value),
        )
        return [Row(depth=0, kind="equipment"), leaf]
    return [Row(depth=0, kind="field", field=c.field, op=c.op, value=_value_text(c.value))]


def _subtree_end(rows: list[Row], index: int) -> int:
    end = index + 1
    while end < len(rows) and rows[end].depth > rows[index].depth:
        end += 1
    return end


def add_condition(rows: list[Row], c: ConditionSuggestion) -> tuple[list[Row], int]:
    """``rows`` with the suggestion added, and the index of its 条件 row.

    Under a single top-level 同时满足 the row joins that group; otherwise it is one more
    top-level row (top-level rows are read as 同时满足 too). An equipment condition joins the
    first 新购置设备 row when there is one, so the item conditions apply to the same item.
    """
    new = _rows_for(c)
    equipment = next((k for k, r in enumerate(rows) if r.kind == "equipment"), None)
    if c.field.startswith("equipment.") and equipment is not None:
        leaf = replace(new[1], depth=rows[equipment].depth + 1)
        at = _subtree_end(rows, equipment)
        return [*rows[:at], leaf, *rows[at:]], at
    tops = [r for r in rows if r.depth == 0]
    shift = 1 if len(tops) == 1 and tops[0].kind == "all" else 0
    new = [replace(r, depth=r.depth + shift) for r in new]
    return [*rows, *new], len(rows) + len(new) - 1


def apply(state: BuilderState, action: str, found: Suggestions, done: dict[str, str]) -> str:
    """Apply ``suggest:<verb>:<key>`` to the state and ``done``; a notice for the official."""
    parts = action.split(":")
    if len(parts) != 3:
        return ""
    _, verb, key = parts
    kind, index = key[:1], int(key[1:]) if key[1:].isdigit() else -1
    items = found.conditions if kind == "c" else found.figures if kind == "f" else ()
    if not 0 <= index < len(items):
        return "这条建议已不存在(原文可能已修改),请刷新页面。"
    item = items[index]
    if verb == "ignore":
        done[key] = IGNORED
        return f"已忽略建议“{item.quote}”。"
    if verb == "restore":
        done.pop(key, None)
        return f"已恢复建议“{item.quote}”。"
    if kind == "c" and verb == "accept":
        rows, at = add_condition(list(state.condition), item)
        state.condition = rows
        state.focus = ("c", at)
        done[key] = ACCEPTED
        return f"已把“{item.quote}”添加为资格条件第{at + 1}行,可在该行修改。"
    if kind == "f" and verb in ("rate", "cap", "amount"):
        state.estimate = _with_figure(state.estimate, verb, _value_text(item.value))
        done[key] = ACCEPTED
        where = {"rate": "估算比例", "cap": "最高限额", "amount": "固定金额"}[verb]
        return f"已把“{item.quote}”填入金额估算的{where},请核对估算方式和依据的金额。"
    return ""


def _with_figure(form: Any, target: str, value: str) -> Any:
    """The estimate with a figure in place; the shape widens only as far as the figure needs."""
    if target == "rate":
        shape = form.shape if form.shape in ("rate", "capped", "tiered") else "rate"
        return replace(form, shape=shape, rate=value)
    if target == "cap":
        shape = form.shape if form.shape == "capped" else "capped"
        return replace(form, shape=shape, cap=value)
    return replace(form, shape="fixed", rate=value)
