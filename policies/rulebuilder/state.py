"""The whole builder page as plain data: the rule's trees of rows, the estimate, notes,
deadline conditions and the citation; read from a POST, changed by the page's buttons, and
turned into the rule's JSON with every problem named by its place on the page.

Trees are named: ``c`` the condition, ``w`` the estimate's 适用条件, ``n0``, ``n1`` … the notes'
conditions, ``d0`` … the deadlines' conditions. A POST names a row's inputs ``<tree>-<i>-<attr>``.
Pure: no Django (the view passes ``request.POST``, anything with ``get`` and ``getlist``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from . import estimate as shapes
from . import tree
from .tree import Row

ROW_ATTRS = ("depth", "kind", "field", "op", "value", "param", "label", "codes", "standard", "classes")
_MULTI = {"codes", "classes"}  # checkbox lists
_SENTENCE = re.compile(r"[^。;;]*[。;;]|[^。;;]+$")


class Post(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...


@dataclass
class Note:
    rows: list[Row]
    text: str = ""


@dataclass
class DeadlineState:
    pk: int
    date: str
    label: str
    rows: list[Row]


@dataclass
class BuilderState:
    condition: list[Row] = field(default_factory=list)
    estimate: shapes.EstimateForm = field(default_factory=shapes.EstimateForm)
    notes: list[Note] = field(default_factory=list)
    deadlines: list[DeadlineState] = field(default_factory=list)
    citation_picked: list[int] = field(default_factory=list)
    citation_text: str = ""
    # The row a button just added or moved (tree, index): the page puts the keyboard focus there,
    # since the button itself may be gone after the page is redrawn.
    focus: tuple[str, int] | None = None

    def tree(self, name: str) -> list[Row]:
        if name == "c":
            return self.condition
        if name == "w":
            return list(self.estimate.when)
        if name[0] == "n" and name[1:].isdigit() and int(name[1:]) < len(self.notes):
            return self.notes[int(name[1:])].rows
        if name[0] == "d" and name[1:].isdigit() and int(name[1:]) < len(self.deadlines):
            return self.deadlines[int(name[1:])].rows
        raise KeyError(name)

    def set_tree(self, name: str, rows: list[Row]) -> None:
        if name == "c":
            self.condition = rows
        elif name == "w":
            self.estimate = replace(
                self.estimate, when=tuple(rows), has_when=self.estimate.has_when or bool(rows)
            )
        elif name[0] == "n":
            self.notes[int(name[1:])].rows = rows
        else:
            self.deadlines[int(name[1:])].rows = rows

    def tree_names(self) -> list[str]:
        return [
            "c",
            "w",
            *(f"n{i}" for i in range(len(self.notes))),
            *(f"d{i}" for i in range(len(self.deadlines))),
        ]


def sentences(text: str) -> list[str]:
    """The measure's text cut into sentences, the units a citation is picked from."""
    return [s for s in _SENTENCE.findall(text or "") if s.strip()]


# --- from the stored rule ----------------------------------------------------------------------


def from_rule(rule: dict[str, Any] | None, deadlines: list[dict[str, Any]], text: str) -> BuilderState:
    """The builder's state for a stored rule (``None``: no rule yet) and the draft's deadlines."""
    rule = rule or {}
    state = BuilderState(
        condition=tree.to_rows(rule.get("condition")),
        estimate=shapes.to_form(rule.get("estimate")),
        notes=[Note(tree.to_rows(n.get("when")), str(n.get("text", ""))) for n in rule.get("notes") or []],
        deadlines=[
            DeadlineState(d["pk"], str(d["date"]), d["label"], tree.to_rows(d.get("condition")))
            for d in deadlines
        ],
    )
    state.citation_picked, state.citation_text = _pick(rule.get("citation", ""), sentences(text))
    return state


def _pick(citation: str, parts: list[str]) -> tuple[list[int], str]:
    """The sentences whose run is exactly the citation; otherwise the citation as free text."""
    if not citation:
        return [], ""
    for start in range(len(parts)):
        joined = ""
        for end in range(start, len(parts)):
            joined += parts[end]
            if joined == citation:
                return list(range(start, end + 1)), ""
            if len(joined) >= len(citation):
                break
    return [], citation


# --- from a POST ------------------------------------------------------------------------------


def _rows_from_post(post: Post, name: str) -> list[Row]:
    try:
        count = min(int(post.get(f"{name}-count", 0)), 200)
    except (TypeError, ValueError):
        count = 0
    rows = []
    for i in range(count):
        values: dict[str, Any] = {}
        for attr in ROW_ATTRS:
            key = f"{name}-{i}-{attr}"
            if attr in _MULTI:
                values[attr] = ",".join(v for v in post.getlist(key) if v)
            elif attr == "value" and post.getlist(f"{key}s"):
                values[attr] = ",".join(post.getlist(f"{key}s"))  # checkboxes of a choice field
            else:
                values[attr] = str(post.get(key, "") or "").strip()
        try:
            values["depth"] = max(0, min(int(values["depth"]), tree.MAX_DEPTH))
        except ValueError:
            values["depth"] = 0
        if values["kind"] not in tree.KIND_LABELS:
            continue
        rows.append(Row(**values))
    return rows


def _operand(post: Post, name: str) -> str:
    param = str(post.get(f"e-{name}-param", "") or "").strip()
    return f"p.{param}" if param else str(post.get(f"e-{name}-value", "") or "").strip()


def from_post(post: Post, deadline_pks: list[int]) -> BuilderState:
    """The state as the page posted it (unknown or missing inputs read as empty)."""
    notes = []
    try:
        note_count = min(int(post.get("notes-count", 0)), 50)
    except (TypeError, ValueError):
        note_count = 0
    for k in range(note_count):
        notes.append(Note(_rows_from_post(post, f"n{k}"), str(post.get(f"n{k}-text", ""))))
    deadlines = []
    for k, pk in enumerate(deadline_pks):
        deadlines.append(
            DeadlineState(
                pk,
                str(post.get(f"d{k}-date", "")),
                str(post.get(f"d{k}-label", "")),
                _rows_from_post(post, f"d{k}"),
            )
        )
    shape = str(post.get("e-shape", "none"))
    estimate = shapes.EstimateForm(
        shape=shape if shape in shapes.SHAPES else "none",
        kind=str(post.get("e-kind", "")),
        base=str(post.get("e-base", "")),
        rate=_operand(post, "rate"),
        cap=_operand(post, "cap"),
        threshold=_operand(post, "threshold"),
        tier_op=str(post.get("e-tier_op", ">=")),
        low=_operand(post, "low"),
        formula=str(post.get("e-formula", "")).strip(),
        let=str(post.get("e-let", "")).replace("\r\n", "\n"),
        has_let=post.get("e-has_let") == "1",
        basis=str(post.get("e-basis", "")).strip(),
        when=tuple(_rows_from_post(post, "w")),
        has_when=post.get("e-has_when") == "1",
    )
    picked = sorted({int(v) for v in post.getlist("cite") if str(v).isdigit()})
    return BuilderState(
        condition=_rows_from_post(post, "c"),
        estimate=estimate,
        notes=notes,
        deadlines=deadlines,
        citation_picked=picked,
        citation_text=str(post.get("citation_text", "")).strip(),
    )


# --- the page's buttons ------------------------------------------------------------------------


def apply(state: BuilderState, action: str, post: Post) -> BuilderState:
    """Apply one button: ``add:<tree>:<row or top>``, ``remove|indent|outdent|up|down:<tree>:<row>``,
    ``add_note``, ``remove_note:<k>``. Anything else (e.g. ``refresh``) changes nothing."""
    parts = action.split(":")
    verb = parts[0]
    if verb == "add_note":
        state.notes.append(Note([]))
        return state
    if verb == "remove_note" and len(parts) == 2 and parts[1].isdigit():
        k = int(parts[1])
        if k < len(state.notes):
            del state.notes[k]
        return state
    if len(parts) != 3:
        return state
    name, where = parts[1], parts[2]
    try:
        rows = list(state.tree(name))
    except KeyError:
        return state
    index = int(where) if where.isdigit() else None
    old = rows
    if verb == "add":
        kind = str(post.get(f"{name}-{where}-new", "") or post.get(f"{name}-new", "field"))
        if kind not in tree.KIND_LABELS:
            kind = "field"
        rows = tree.add_row(rows, index, kind)
        state.focus = (name, _new_position(old, rows, None))
    elif index is None or not 0 <= index < len(rows):
        return state
    elif verb == "remove":
        rows = tree.remove_row(rows, index)
        state.focus = (name, index - 1) if index > 0 and rows else None
    elif verb in ("indent", "outdent", "up", "down"):
        if verb in ("indent", "outdent"):
            rows = tree.indent_row(rows, index, 1 if verb == "indent" else -1)
        else:
            rows = tree.move_row(rows, index, -1 if verb == "up" else 1)
        state.focus = (name, _new_position(old, rows, old[index]))
    state.set_tree(name, rows)
    return state


def _new_position(old: list[Row], new: list[Row], moved: Row | None) -> int:
    """Where a moved row (``moved``, or the one new row when None) is now. Moving keeps the row
    object; re-indenting makes a new one, found as the first row that was not there before."""
    for k, row in enumerate(new):
        if moved is not None and row is moved:
            return k
    for k, row in enumerate(new):
        if all(row is not r for r in old):
            return k
    return 0


# --- to the rule's JSON ------------------------------------------------------------------------


@dataclass
class Result:
    """The rule data a state stands for, and its problems: ``errors`` maps a place on the page
    (a tree name, ``e`` the estimate, ``n<k>-text``, ``citation``) to (row or None, message)."""

    rule: dict[str, Any] | None
    deadlines: list[dict[str, Any]]
    errors: dict[str, list[tuple[int | None, str]]]
    built: dict[str, tree.Built]

    @property
    def ok(self) -> bool:
        return not any(self.errors.values())

    def add(self, place: str, row: int | None, message: str) -> None:
        self.errors.setdefault(place, []).append((row, message))

    def add_engine_error(self, path: str, message: str) -> None:
        """Place an engine error (a JSON path into the rule) on the row or box it came from."""
        for name, built in self.built.items():
            row = built.row_for_path(path)
            if row is not None:
                self.add(name, row, message)
                return
        note = re.match(r"^notes\[(\d+)\]\.text", path)
        if note:
            self.add(f"n{note.group(1)}-text", None, message)
        elif path.startswith("estimate"):
            self.add("e", None, message)
        else:
            self.add("c", None, message)


def citation_of(state: BuilderState, text: str) -> str:
    parts = sentences(text)
    if state.citation_picked:
        return "".join(parts[i] for i in state.citation_picked if i < len(parts))
    return state.citation_text


def to_data(state: BuilderState, text: str) -> Result:
    """The rule (None when the condition has no rows) and the deadlines' conditions."""
    result = Result(None, [], {}, {})
    cond = tree.from_rows(state.condition)
    result.built["c"] = cond
    for i, message in cond.errors:
        result.add("c", i, message)
    estimate, problems, when = shapes.from_form(state.estimate)
    if when is not None:
        result.built["w"] = when
        for i, message in when.errors:
            result.add("w", i, message)
    for message in problems:
        result.add("e", None, message)
    notes = []
    for k, note in enumerate(state.notes):
        built = tree.from_rows(note.rows, root=f"notes[{k}].when")
        result.built[f"n{k}"] = built
        for i, message in built.errors:
            result.add(f"n{k}", i, message)
        if not note.rows:
            result.add(f"n{k}", None, "请为这条补充说明添加条件(条件成立时显示说明)")
        if not note.text.strip():
            result.add(f"n{k}-text", None, "请填写补充说明的文字")
        notes.append({"when": built.condition, "text": note.text})
    for k, deadline in enumerate(state.deadlines):
        built = tree.from_rows(deadline.rows, root=f"deadlines[{k}].condition")
        result.built[f"d{k}"] = built
        for i, message in built.errors:
            result.add(f"d{k}", i, message)
        result.deadlines.append(
            {"pk": deadline.pk, "date": deadline.date, "label": deadline.label, "condition": built.condition}
        )
    citation = citation_of(state, text)
    if not state.condition:
        if estimate is not None or state.notes:
            result.add("c", None, "没有资格条件时不能估算金额或添加补充说明:请先添加条件")
        return result
    if not citation:
        result.add("citation", None, "请勾选本条原文中作为依据的句子")
    result.rule = {"condition": cond.condition, "estimate": estimate, "notes": notes, "citation": citation}
    return result


# --- the advanced view ------------------------------------------------------------------------

JSON_BOXES = {
    "condition": "资格条件",
    "estimate": "金额估算",
    "notes": "补充说明",
    "deadlines": "截止日期的适用条件",
}


def as_json(result: Result) -> dict[str, str]:
    """The rule as the JSON the advanced view shows (pretty, Chinese unescaped)."""
    rule = result.rule or {"condition": None, "estimate": None, "notes": []}

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2)

    return {
        "condition": dump(rule["condition"]),
        "estimate": dump(rule["estimate"]),
        "notes": dump(rule["notes"]),
        "deadlines": dump([d["condition"] for d in result.deadlines]),
    }


def from_json(post: Post, state: BuilderState) -> tuple[BuilderState, list[str]]:
    """Load the advanced view's JSON into the builder; problems name the box, line and column."""
    problems: list[str] = []
    loaded: dict[str, Any] = {}
    for key, label in JSON_BOXES.items():
        raw = str(post.get(f"json-{key}", "") or "").strip() or "null"
        try:
            loaded[key] = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"{label}:第{exc.lineno}行第{exc.colno}列附近格式有误({_json_reason(exc.msg)})")
    if problems:
        return state, problems
    try:
        condition = tree.to_rows(loaded["condition"])
        estimate = shapes.to_form(loaded["estimate"])
        raw_notes = loaded["notes"] or []
        if not isinstance(raw_notes, list) or not all(isinstance(n, dict) for n in raw_notes):
            raise ValueError("补充说明应为列表")
        notes = [Note(tree.to_rows(n.get("when")), str(n.get("text", ""))) for n in raw_notes]
        raw_deadlines = loaded["deadlines"] or [None] * len(state.deadlines)
        if not isinstance(raw_deadlines, list) or len(raw_deadlines) != len(state.deadlines):
            raise ValueError(
                f"截止日期的适用条件应为{len(state.deadlines)}项的列表(每个截止日期一项,null 表示适用于所有企业)"
            )
        deadlines = [
            replace(d, rows=tree.to_rows(c)) for d, c in zip(state.deadlines, raw_deadlines, strict=True)
        ]
    except ValueError as exc:
        return state, [f"无法载入:{exc}"]
    return replace(state, condition=condition, estimate=estimate, notes=notes, deadlines=deadlines), []


_JSON_REASONS = {
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting value": "缺少取值",
    "Expecting property name enclosed in double quotes": "键名应使用英文双引号",
    "Unterminated string starting at": "引号没有闭合",
    "Extra data": "多余的内容",
    "Invalid control character at": "含有无效字符",
}


def _json_reason(message: str) -> str:
    return _JSON_REASONS.get(message, "请检查括号、引号和逗号")


_SPACE = re.compile(r"\s+")


def _compact(text: str) -> str:
    """Text without whitespace: a citation is checked against the measure's text this way."""
    return _SPACE.sub("", text or "")
