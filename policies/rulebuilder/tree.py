"""Condition JSON ↔ a flat list of rows with depths, the shape the builder edits.

A condition tree becomes rows in pre-order: a group row (同时满足 ``all`` / 满足其一 ``any`` /
不满足 ``not``) is followed by its children one level deeper; a ``{"equipment": ...}`` row is
followed by its item conditions. A comparison of ``as_of`` (the screening day) with a date or a
dated parameter is its own 评估日期 row: it reads no profile field. Going back, rows at one depth under a row are its children:

- top-level rows: one row is the condition itself, several are read as 同时满足;
- a 不满足 row with one child is ``{"not": child}``, with several ``{"not": {"all": [...]}}``;
- a 新购置设备 row with one child uses it as the item condition, with several their ``all``.

So JSON → rows → JSON gives back the same JSON for every condition the engine accepts, and the
rows that ``to_rows`` makes come back unchanged. Values are kept as the text the official sees
(``300``, ``A,B``, ``true``) and typed from the field's kind on the way back, so a typo is a
row error in words, never a JSON path. Nothing here imports Django.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from policies.engine import EQUIPMENT_FIELDS, PROFILE_FIELDS, FieldSpec

GROUP_KINDS = {"all": "同时满足", "any": "满足其一", "not": "不满足"}
LEAF_KINDS = {
    "field": "条件",
    "as_of": "评估日期",
    "industry": "行业",
    "size": "企业规模",
    "equipment": "新购置设备",
}
KIND_LABELS = {**GROUP_KINDS, **LEAF_KINDS}
# Operators in words, per kind of field (the engine's op on the left).
NUMBER_OPS = {"<=": "不超过", "<": "低于", ">=": "不低于", ">": "高于", "==": "等于", "!=": "不等于"}
DATE_OPS = {"<=": "不晚于", "<": "早于", ">=": "不早于", ">": "晚于", "==": "等于", "!=": "不等于"}
CHOICE_OPS = {"==": "等于", "!=": "不等于", "in": "属于", "not_in": "不属于"}
BOOL_OPS = {"==": "等于", "!=": "不等于"}
MAX_DEPTH = 8
# The screening day is no profile field the enterprise fills in: its row (评估日期) compares it
# with a date, usually a dated parameter, so that a rule can change on a day officials set.
AS_OF = "as_of"
_INT = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Row:
    """One row of the builder. Only the attributes of its kind matter; the rest stay empty.

    ``value`` is the literal as text (a number, a date, ``true``/``false``, a choice key, or
    for 属于/不属于 comma-separated keys); ``param`` a dated parameter's key instead of it.
    """

    depth: int
    kind: str
    field: str = ""
    op: str = ""
    value: str = ""
    param: str = ""
    label: str = ""
    codes: str = ""  # industry: GB/T 4754 code prefixes, comma-separated
    standard: str = ""  # size: the standard's key
    classes: str = ""  # size: the tiers, comma-separated (empty for a test standard)

    @property
    def is_container(self) -> bool:
        return self.kind in GROUP_KINDS or self.kind == "equipment"


def spec_for(name: str, in_equipment: bool) -> FieldSpec | None:
    return (EQUIPMENT_FIELDS if in_equipment else PROFILE_FIELDS).get(name)


def ops_for(spec: FieldSpec | None) -> dict[str, str]:
    """The operators a field allows, in words."""
    if spec is None:
        return NUMBER_OPS
    if spec.kind == "bool":
        return BOOL_OPS
    if spec.kind == "enum":
        return CHOICE_OPS
    if spec.kind == "date":
        return DATE_OPS
    if spec.choices:  # the equipment's depreciation years: numbers from a short list
        return NUMBER_OPS
    return NUMBER_OPS


# --- JSON → rows ------------------------------------------------------------------------------


def value_text(value: Any) -> str:
    """A JSON literal as the text the official sees and edits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return ",".join(value_text(v) for v in value)
    return str(value)


def to_rows(condition: Any, depth: int = 0) -> list[Row]:
    """The rows of a condition (``None``: no rows). Raises ValueError on a shape it cannot show."""
    if condition is None:
        return []
    return _rows(condition, depth)


def _rows(data: Any, depth: int) -> list[Row]:
    if not isinstance(data, Mapping):
        raise ValueError("条件应为对象")
    if set(data) == {"not"}:
        return [Row(depth, "not"), *_rows(data["not"], depth + 1)]
    for mode in ("all", "any"):
        if set(data) == {mode} and isinstance(data[mode], list):
            return [Row(depth, mode)] + [r for child in data[mode] for r in _rows(child, depth + 1)]
    if "field" in data and set(data) <= {"field", "op", "value", "label"}:
        value = data.get("value")
        kind, name = ("as_of", "") if data["field"] == AS_OF else ("field", str(data["field"]))
        leaf = {"field": name, "op": str(data.get("op", "")), "label": data.get("label") or ""}
        if isinstance(value, Mapping):
            if set(value) != {"param"}:
                raise ValueError('参数引用应为 {"param": 键}')
            return [Row(depth, kind, param=str(value["param"]), **leaf)]
        if isinstance(value, list) and not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value
        ):
            raise ValueError("列表取值只能是文字或整数")
        return [Row(depth, kind, value=value_text(value), **leaf)]
    if "industry" in data and set(data) <= {"industry", "label"} and isinstance(data["industry"], list):
        return [
            Row(depth, "industry", codes=",".join(map(str, data["industry"])), label=data.get("label") or "")
        ]
    if "size" in data and set(data) <= {"size", "in"}:
        classes = data.get("in")
        if classes is not None and (not isinstance(classes, list) or not classes):
            raise ValueError("规模档次应为非空列表")
        return [Row(depth, "size", standard=str(data["size"]), classes=",".join(classes) if classes else "")]
    if set(data) == {"equipment"}:
        return [Row(depth, "equipment"), *_rows(data["equipment"], depth + 1)]
    raise ValueError("无法识别的条件")


# --- rows → JSON ------------------------------------------------------------------------------


@dataclass
class Built:
    """A condition built from rows: the JSON (None when there are no rows), the problems per
    row (1-based row number, message), and where each row landed in the JSON (path → row)."""

    condition: Any
    errors: list[tuple[int, str]]
    paths: dict[str, int]

    def row_for_path(self, path: str) -> int | None:
        """The row an engine error path (``condition.all[1].value``) points into."""
        best, found = -1, None
        for prefix, row in self.paths.items():
            if (path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")) and len(
                prefix
            ) > best:
                best, found = len(prefix), row
        return found


def row_name(index: int, row: Row) -> str:
    """How an error names a row: ``第3行 条件``."""
    return f"第{index + 1}行 {KIND_LABELS.get(row.kind, '条件')}"


def from_rows(rows: list[Row] | tuple[Row, ...], root: str = "condition") -> Built:
    """The condition JSON of ``rows`` with every problem named by its row."""
    built = Built(None, [], {})
    rows = list(rows)
    if not rows:
        return built
    for i, row in enumerate(rows):
        previous = rows[i - 1].depth if i else -1
        if row.depth < 0 or row.depth > previous + 1 or row.depth > MAX_DEPTH:
            built.errors.append((i, "缩进有误:每行最多比上一行多缩进一级"))
        elif row.depth == previous + 1 and i and not rows[i - 1].is_container:
            built.errors.append(
                (
                    i,
                    f"缩进有误:上一行是{KIND_LABELS.get(rows[i - 1].kind, '条件')},下面不能再有条件;请放入“同时满足”等组合",
                )
            )
    if built.errors:
        return built
    tops = _children(rows, -1, 0)
    if len(tops) == 1:
        built.condition = _node(rows, tops[0], root, built, False)
    else:
        built.condition = {
            "all": [_node(rows, i, f"{root}.all[{n}]", built, False) for n, i in enumerate(tops)]
        }
    if built.errors:
        built.condition = None
    return built


def _children(rows: list[Row], parent: int, start: int) -> list[int]:
    """Indexes of the direct children of ``parent`` (-1: the top level), scanning from ``start``."""
    depth = rows[parent].depth + 1 if parent >= 0 else 0
    out = []
    for i in range(start, len(rows)):
        if rows[i].depth < depth:
            break
        if rows[i].depth == depth:
            out.append(i)
    return out


def _node(rows: list[Row], i: int, path: str, built: Built, in_equipment: bool) -> Any:
    row = rows[i]
    built.paths[path] = i
    if row.kind in GROUP_KINDS or row.kind == "equipment":
        kids = _children(rows, i, i + 1)
        if not kids:
            what = "组内" if row.kind in GROUP_KINDS else "新购置设备下面"
            built.errors.append((i, f"{what}至少需要一个条件:请在这一行下面添加条件"))
            return None
        if row.kind == "equipment":
            if in_equipment:
                built.errors.append((i, "新购置设备的条件里不能再套新购置设备"))
                return None
            inner = f"{path}.equipment"
            return {"equipment": _kids_as_one(rows, i, kids, inner, built, True)}
        if row.kind == "not":
            return {"not": _kids_as_one(rows, i, kids, f"{path}.not", built, in_equipment)}
        return {
            row.kind: [
                _node(rows, k, f"{path}.{row.kind}[{n}]", built, in_equipment) for n, k in enumerate(kids)
            ]
        }
    if in_equipment and row.kind != "field":
        built.errors.append((i, "新购置设备下面只能是设备的单位价值、最低折旧年限、购置日期等条件"))
        return None
    if row.kind == "field":
        return _compare(row, i, built, in_equipment)
    if row.kind == "as_of":
        return _compare(replace(row, field=AS_OF), i, built, False)
    if row.kind == "industry":
        codes = [
            c.strip().upper() for c in row.codes.replace(",", ",").replace("、", ",").split(",") if c.strip()
        ]
        if not codes:
            built.errors.append((i, "请至少选择一个行业"))
            return None
        data: dict[str, Any] = {"industry": codes}
        if row.label:
            data["label"] = row.label
        return data
    if row.kind == "size":
        if not row.standard:
            built.errors.append((i, "请选择规模标准"))
            return None
        data = {"size": row.standard}
        classes = [c.strip() for c in row.classes.split(",") if c.strip()]
        if classes:
            data["in"] = classes
        return data
    built.errors.append((i, "无法识别的条件类型"))
    return None


def _kids_as_one(
    rows: list[Row], parent: int, kids: list[int], path: str, built: Built, in_equipment: bool
) -> Any:
    if len(kids) == 1:
        return _node(rows, kids[0], path, built, in_equipment)
    built.paths[path] = parent
    return {"all": [_node(rows, k, f"{path}.all[{n}]", built, in_equipment) for n, k in enumerate(kids)]}


def _compare(row: Row, i: int, built: Built, in_equipment: bool) -> Any:
    spec = spec_for(row.field, in_equipment)
    if spec is None:
        where = "设备" if in_equipment else "企业信息"
        built.errors.append((i, f"请选择要比较的{where}"))
        return None
    if spec.kind in ("industry", "equipment") or (
        spec.kind == "date" and not in_equipment and row.kind != "as_of"
    ):
        built.errors.append((i, f"“{spec.label}”不能在这里比较,请用行业、新购置设备或评估日期条件"))
        return None
    ops = ops_for(spec)
    if row.op not in ops:
        built.errors.append((i, f"请为“{spec.label}”选择比较方式:{'、'.join(ops.values())}"))
        return None
    data: dict[str, Any] = {"field": row.field, "op": row.op}
    if row.param:
        data["value"] = {"param": row.param}
    else:
        value = typed_value(spec, row.op, row.value)
        if isinstance(value, Problem):
            built.errors.append((i, value.message))
            return None
        data["value"] = value
    if row.label and not in_equipment:
        data["label"] = row.label
    return data


@dataclass(frozen=True)
class Problem:
    message: str


def typed_value(spec: FieldSpec, op: str, text: str) -> Any:
    """The official's text as the JSON literal the engine expects, or a Problem in words."""
    text = text.strip()
    if op in ("in", "not_in"):
        items = [t.strip() for t in text.replace(",", ",").split(",") if t.strip()]
        if not items:
            return Problem(f"请为“{spec.label}”选择至少一个取值")
        out = [typed_value(spec, "==", t) for t in items]
        bad = next((v for v in out if isinstance(v, Problem)), None)
        return bad or out
    if not text:
        return Problem(f"请填写“{spec.label}”的比较值,或选择一个参数")
    if spec.kind == "bool":
        if text in ("true", "false"):
            return text == "true"
        return Problem(f"“{spec.label}”请选择“是”或“否”")
    if spec.kind == "enum":
        if text in spec.choices:
            return text
        return Problem(f"“{spec.label}”请从{'、'.join(spec.choices.values())}中选择")
    if spec.kind == "date":
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            return Problem(f"“{spec.label}”应为日期,例如 2022-01-01")
        return text
    if _INT.match(text):
        return int(text)
    if _NUMBER.match(text):
        return float(text)
    unit = f"(单位:{spec.unit})" if spec.unit else ""
    return Problem(f"“{spec.label}”的比较值应为数字{unit},不要带单位或逗号,例如 300")


# --- editing ----------------------------------------------------------------------------------


def subtree_end(rows: list[Row], i: int) -> int:
    """One past the last descendant of row ``i``."""
    end = i + 1
    while end < len(rows) and rows[end].depth > rows[i].depth:
        end += 1
    return end


def add_row(rows: list[Row], parent: int | None, kind: str) -> list[Row]:
    """Add a new empty row of ``kind`` as the last child of ``parent`` (None: at the top level)."""
    if parent is None or not (0 <= parent < len(rows)):
        depth = 1 if rows and rows[0].is_container and len(_children(rows, -1, 0)) == 1 else 0
        return [*rows, _blank(kind, depth)]
    at = subtree_end(rows, parent)
    return [*rows[:at], _blank(kind, rows[parent].depth + 1), *rows[at:]]


def _blank(kind: str, depth: int) -> Row:
    return Row(depth, kind)


def remove_row(rows: list[Row], i: int) -> list[Row]:
    """Remove row ``i`` with everything under it."""
    if not 0 <= i < len(rows):
        return rows
    return rows[:i] + rows[subtree_end(rows, i) :]


def indent_row(rows: list[Row], i: int, delta: int) -> list[Row]:
    """Move row ``i`` (with its subtree) one level in (+1: into the group just above it, as its
    last member) or out (-1: out of its group, placed right after that group)."""
    if not 0 <= i < len(rows):
        return rows
    end = subtree_end(rows, i)
    if delta > 0:
        if i == 0 or rows[i - 1].depth < rows[i].depth or not _container_above(rows, i):
            return rows
        return [*rows[:i], *(replace(r, depth=r.depth + 1) for r in rows[i:end]), *rows[end:]]
    if rows[i].depth == 0:
        return rows
    parent = next(j for j in range(i - 1, -1, -1) if rows[j].depth < rows[i].depth)
    moved = [replace(r, depth=r.depth - 1) for r in rows[i:end]]
    rest = [*rows[:i], *rows[end:]]
    at = subtree_end(rest, parent)
    return [*rest[:at], *moved, *rest[at:]]


def _container_above(rows: list[Row], i: int) -> bool:
    """Indenting row i makes it a child of the nearest earlier row at its depth: is that a group?"""
    for j in range(i - 1, -1, -1):
        if rows[j].depth == rows[i].depth:
            return rows[j].is_container
        if rows[j].depth < rows[i].depth:
            return False
    return False


def move_row(rows: list[Row], i: int, delta: int) -> list[Row]:
    """Swap row ``i``'s subtree with its previous (-1) or next (+1) sibling's."""
    if not 0 <= i < len(rows):
        return rows
    end = subtree_end(rows, i)
    depth = rows[i].depth
    if delta < 0:
        j = i - 1
        while j >= 0 and rows[j].depth > depth:
            j -= 1
        if j < 0 or rows[j].depth != depth:
            return rows
        return [*rows[:j], *rows[i:end], *rows[j:i], *rows[end:]]
    if end >= len(rows) or rows[end].depth != depth:
        return rows
    other_end = subtree_end(rows, end)
    return [*rows[:i], *rows[end:other_end], *rows[i:end], *rows[other_end:]]
