"""The condition language: JSON trees compiled once into three-valued evaluators with reasons.

A condition is a JSON object of one of these forms::

    {"all": [c1, c2, ...]}                  true when every child is true
    {"any": [c1, c2, ...]}                  true when one child is true
    {"not": c}                              negation

    {"field": "employees", "op": "<=", "value": 300}
    {"field": "revenue_wan", "op": "<", "value": {"param": "m2_max_sales_wan"}, "label": "年销售额"}
    {"field": "entity_type", "op": "==", "value": "enterprise"}
    {"field": "tax_credit_rating", "op": "in", "value": ["A", "B"]}
    {"field": "owns_nev", "op": "==", "value": true}
    {"field": "as_of", "op": ">=", "value": {"param": "m12_more_industries_from"}}
        A profile field against a literal or a dated parameter ``{"param": key}``. Operators:
        numbers and ``as_of`` (the screening day) ``== != < <= > >=``; choices ``== != in
        not_in``; booleans ``== !=``.
        ``label`` optionally renames the field in the reason (revenue read as annual sales).

    {"industry": ["C16", "F"], "label": "负面清单行业"}
        The main industry lies under one of these GB/T 4754 code prefixes. A partial profile
        code (``"C"`` against ``"C16"``) is unknown unless every more specific code answers alike.

    {"size": "refund_300", "in": ["micro", "small"]}
        The class by a tiered size standard is one of these.
    {"size": "small_low_profit"}
        The enterprise passes a test standard (use ``not`` for "does not pass").

    {"equipment": {"all": [{"field": "unit_value_wan", "op": ">=", "value": {"param": "m1_min_unit_value_wan"}},
                            {"field": "purchase_date", "op": ">=", "value": "2022-01-01"}]}}
        At least one newly bought equipment item satisfies the inner condition, which may use
        ``all``/``any``/``not`` over the item fields ``unit_value_wan``, ``min_depreciation_years``
        and ``purchase_date``. An unknown equipment list is unknown; ``[]`` is false.

Logic is three-valued (true, false, unknown): ``false and unknown`` is false, ``true or unknown``
is true. Every leaf yields a reason sentence with its figures and an outcome (met, not_met,
unknown); an unknown leaf names the profile fields that would settle it.
"""

from __future__ import annotations

import datetime
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from . import industry as industries
from .errors import RuleError
from .profile import EQUIPMENT_FIELDS, PROFILE_FIELDS, Equipment, FieldSpec
from .sizes import OPS, SizeOutcome, SizeStandard

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
_NEGATED_OP = {
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "==": "!=",
    "!=": "==",
    "in": "not_in",
    "not_in": "in",
}
_NUMBER_OPS = {"==", "!=", "<", "<=", ">", ">="}
_CHOICE_OPS = {"==", "!=", "in", "not_in"}
_BOOL_OPS = {"==", "!="}
_ITEM_OPS = {"==", "!=", "<", "<=", ">", ">="}
# Every comparison a leaf or an equipment item can make on a known value and a known target.
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {**OPS, "==": operator.eq, "!=": operator.ne}
_FIELD_ORDER = {name: i for i, name in enumerate(PROFILE_FIELDS)}
# Fields with a finite set of values, for "settled by cases" (contract 1.1).
_FINITE_VALUES: dict[str, tuple[Any, ...]] = {
    name: (True, False) if spec.kind == "bool" else tuple(spec.choices)
    for name, spec in PROFILE_FIELDS.items()
    if spec.kind in ("bool", "enum")
}
_MAX_CASES = 100  # more combinations than this are not tried (no rule reads that many fields)


@dataclass(frozen=True)
class Schema:
    """What a condition may refer to: parameter types by key, and the size standards by key."""

    param_types: Mapping[str, type]
    standards: Mapping[str, SizeStandard]


class Context:
    """Per-screening state shared by every rule: the profile's values, parameters, size results."""

    __slots__ = ("values", "as_of", "params", "params_float", "_standards", "_sizes")

    def __init__(
        self,
        values: Mapping[str, Any],
        as_of: datetime.date,
        params: Mapping[str, Any],
        params_float: Mapping[str, Any],
        standards: Mapping[str, SizeStandard | None],
    ) -> None:
        self.values = values
        self.as_of = as_of
        self.params = params
        self.params_float = params_float
        self._standards = standards
        self._sizes: dict[str, SizeOutcome | None] = {}

    def size(self, key: str) -> SizeOutcome | None:
        """The possible results of a size standard in force on ``as_of`` (None if none is)."""
        try:
            return self._sizes[key]
        except KeyError:
            standard = self._standards.get(key)
            outcome = standard.classify(self.values) if standard is not None else None
            self._sizes[key] = outcome
            return outcome

    def standard(self, key: str) -> SizeStandard | None:
        return self._standards.get(key)


def combine(mode: str, outcomes: Iterable[bool | None]) -> bool | None:
    """Three-valued ``all`` or ``any``: false and unknown is false, true or unknown is true."""
    decisive = mode != "all"  # the value that settles the group on its own
    unknown = False
    for outcome in outcomes:
        if outcome is decisive:
            return decisive
        if outcome is None:
            unknown = True
    return None if unknown else not decisive


# ---------------------------------------------------------------------------------------------
# Leaves


class Leaf:
    """A condition that looks at the profile and knows its outcome (``explain`` says it in words)."""

    fields: tuple[str, ...] = ()

    def evaluate(self, ctx: Context) -> tuple[bool | None, tuple[str, ...]]:
        """Return the outcome and, when unknown, the profile fields that would settle it."""
        raise NotImplementedError


class _Threshold:
    """A literal or a ``{"param": key}`` reference, resolved on the screening's date."""

    __slots__ = ("literal", "param")

    def __init__(self, literal: Any = None, param: str | None = None) -> None:
        self.literal = literal
        self.param = param

    def for_compare(self, ctx: Context) -> Any:
        return self.literal if self.param is None else ctx.params_float.get(self.param)

    def for_text(self, ctx: Context) -> Any:
        return self.literal if self.param is None else ctx.params.get(self.param)


class Compare(Leaf):
    def __init__(
        self, spec: FieldSpec, op: str, threshold: _Threshold | tuple[Any, ...], label: str | None
    ) -> None:
        self.spec = spec
        self.op = op
        # "in" and "not_in" take a list of choices; every other operator one (dated) threshold.
        self.options: tuple[Any, ...] = threshold if isinstance(threshold, tuple) else ()
        self.threshold = threshold if isinstance(threshold, _Threshold) else _Threshold()
        self.label = label or spec.label
        self.fields = (spec.name,)
        self._fn = _COMPARE.get(op)

    def evaluate(self, ctx: Context) -> tuple[bool | None, tuple[str, ...]]:
        value = ctx.values.get(self.spec.name)
        if value is None:
            return None, self.fields
        return self.test(value, ctx), ()

    def test(self, value: Any, ctx: Context) -> bool | None:
        op = self.op
        if op == "in":
            return value in self.options
        if op == "not_in":
            return value not in self.options
        target = self.threshold.for_compare(ctx)
        if target is None or self._fn is None:
            return None
        return self._fn(value, target)


class IndustryIn(Leaf):
    fields = ("industry",)

    def __init__(self, prefixes: tuple[str, ...], label: str | None, negated: bool = False) -> None:
        self.prefixes = prefixes
        self.negated = negated
        self.label = label
        self._memo: dict[str | None, bool | None] = {}

    def evaluate(self, ctx: Context) -> tuple[bool | None, tuple[str, ...]]:
        code = ctx.values.get("industry")
        try:
            inside = self._memo[code]
        except KeyError:
            inside = self._memo[code] = industries.membership(code, self.prefixes)
        if inside is None:
            return None, self.fields
        return inside != self.negated, ()


class SizeIn(Leaf):
    """Membership of the class by a size standard (tiered: a set of tiers; test: true or false)."""

    def __init__(self, standard: SizeStandard, expected: frozenset) -> None:
        self.key = standard.key
        self.expected = expected
        fields = {limit.field for row in standard.rows for limit in row.limits}
        self.fields = ("industry", *sorted(fields))

    def evaluate(self, ctx: Context) -> tuple[bool | None, tuple[str, ...]]:
        outcome = ctx.size(self.key)
        if outcome is None:
            return None, ()
        if outcome.possible <= self.expected:
            return True, ()
        if not (outcome.possible & self.expected):
            return False, ()
        return None, outcome.unknown_fields


class ItemCompare:
    """A comparison on one equipment item's field (all item fields are always known)."""

    def __init__(self, spec: FieldSpec, op: str, threshold: _Threshold) -> None:
        self.spec = spec
        self.op = op
        self.threshold = threshold
        self._fn = _COMPARE[op]

    def holds(self, item: Equipment, ctx: Context) -> bool | None:
        target = self.threshold.for_compare(ctx)
        if target is None:
            return None
        return self._fn(getattr(item, self.spec.name), target)


class ItemGroup:
    def __init__(self, mode: str, children: tuple) -> None:
        self.mode = mode  # "all" | "any"
        self.children = children

    def holds(self, item: Equipment, ctx: Context) -> bool | None:
        return combine(self.mode, [c.holds(item, ctx) for c in self.children])


class EquipmentAny(Leaf):
    fields = ("equipment",)

    def __init__(self, item: ItemCompare | ItemGroup, negated: bool = False) -> None:
        self.item = item
        self.negated = negated

    def matching(self, ctx: Context) -> list[Equipment] | None:
        """The items that satisfy the item condition (None if the list is unknown)."""
        items = ctx.values.get("equipment")
        if items is None:
            return None
        return [e for e in items if self.item.holds(e, ctx)]

    def evaluate(self, ctx: Context) -> tuple[bool | None, tuple[str, ...]]:
        items = ctx.values.get("equipment")
        if items is None:
            return None, self.fields
        found = combine("any", [self.item.holds(e, ctx) for e in items])
        if found is None:
            return None, ()
        return found != self.negated, ()


# ---------------------------------------------------------------------------------------------
# Trees


class Evaluation(NamedTuple):
    """One condition evaluated: the value and, per leaf, what decided it (a hot-path record)."""

    value: bool | None
    outcomes: tuple[bool | None, ...]  # per leaf
    decisive: tuple[bool, ...]  # per leaf: part of what decided the value
    missing: tuple[str, ...]  # profile fields that could still settle an unknown value
    single_fixes: tuple[int, ...]  # leaf indexes whose flip alone would make the value true
    by_cases: bool = False  # settled by trying every value of unknown finite fields


class Condition:
    """A compiled condition tree, flattened in post-order for fast three-valued evaluation."""

    def __init__(self, source: Any, nodes: list[tuple[str, tuple[int, ...]]], leaves: list[Leaf]) -> None:
        self.source = source
        # Each node: (kind, operands); kind "leaf" -> (leaf index,), "all"/"any" -> child node ids.
        self.nodes = tuple(nodes)
        self.leaves = tuple(leaves)
        self.equipment_leaf = next((leaf for leaf in leaves if isinstance(leaf, EquipmentAny)), None)
        self.finite_fields = tuple(
            dict.fromkeys(name for leaf in leaves for name in leaf.fields if name in _FINITE_VALUES)
        )

    def describe(self, ctx: Context) -> str:
        """The condition as a sentence (``explain.describe``), kept here for the callers that read it."""
        from .explain import describe  # explain builds on this module, so it is imported late

        return describe(self, ctx)

    def _combine(self, outcomes: list[bool | None]) -> list[bool | None]:
        values: list[bool | None] = []
        for kind, operands in self.nodes:
            if kind == "leaf":
                values.append(outcomes[operands[0]])
            else:
                values.append(combine(kind, [values[child] for child in operands]))
        return values

    def value(self, ctx: Context) -> tuple[bool | None, tuple[str, ...]]:
        """Only the value, and the fields that could settle it when unknown."""
        results = [leaf.evaluate(ctx) for leaf in self.leaves]
        values = self._combine([r[0] for r in results])
        if values[-1] is not None:
            return values[-1], ()
        settled = self.by_cases(ctx)
        if settled is not None:
            return settled, ()
        return None, self._missing(values, [r[1] for r in results])

    def by_cases(self, ctx: Context) -> bool | None:
        """The value every answer to the unknown finite fields gives, when they all agree.

        Contract 1.1 "settled by cases": a boolean or an enumerated field (entity type, VAT
        taxpayer type, ...) has few values, so an unknown one can be tried with each. When every
        combination gives the same true or false, the condition is settled without that field.
        Three-valued logic is monotone, so a value settled this way stays settled when more
        fields are answered.
        """
        finite = [name for name in self.finite_fields if ctx.values.get(name) is None]
        if not finite:
            return None
        choices = [_FINITE_VALUES[name] for name in finite]
        if math.prod(len(c) for c in choices) > _MAX_CASES:
            return None
        found: bool | None = None
        for combo in itertools.product(*choices):
            trial = Context(
                {**ctx.values, **dict(zip(finite, combo))},
                ctx.as_of,
                ctx.params,
                ctx.params_float,
                ctx._standards,
            )
            value = self._combine([leaf.evaluate(trial)[0] for leaf in self.leaves])[-1]
            if value is None or (found is not None and value != found):
                return None
            found = value
        return found

    def evaluate(self, ctx: Context, *, explain: bool = True) -> Evaluation:
        """Evaluate every leaf; with ``explain``, also which leaves decided and the single fixes."""
        results = [leaf.evaluate(ctx) for leaf in self.leaves]
        outcomes = [r[0] for r in results]
        values = self._combine(outcomes)
        root = values[-1]
        missing = self._missing(values, [r[1] for r in results]) if root is None else ()
        if root is None:
            settled = self.by_cases(ctx)
            if settled is not None:
                # Every leaf took part in the case analysis, so every reason is shown.
                leaves = tuple(True for _ in self.leaves)
                return Evaluation(settled, tuple(outcomes), leaves if explain else (), (), (), True)
        if not explain:
            return Evaluation(root, tuple(outcomes), (), missing, ())
        nodes = self.nodes
        decisive_nodes = [False] * len(nodes)
        decisive_nodes[-1] = True
        leaf_decisive = [False] * len(self.leaves)
        for i in range(len(nodes) - 1, -1, -1):
            if not decisive_nodes[i]:
                continue
            kind, operands = nodes[i]
            if kind == "leaf":
                leaf_decisive[operands[0]] = True
            elif kind == "any" and values[i] is True:
                for child in operands:
                    decisive_nodes[child] = values[child] is True
            else:
                for child in operands:
                    decisive_nodes[child] = True
        fixes: tuple[int, ...] = ()
        if root is False:
            found = []
            for index, outcome in enumerate(outcomes):
                if outcome is False:
                    trial = list(outcomes)
                    trial[index] = True
                    if self._combine(trial)[-1] is True:
                        found.append(index)
            fixes = tuple(found)
        return Evaluation(root, tuple(outcomes), tuple(leaf_decisive), missing, fixes)

    def _missing(self, values: list[bool | None], unknown_fields: list[tuple[str, ...]]) -> tuple[str, ...]:
        """Fields of the unknown leaves reachable through unknown nodes: those that can still decide."""
        found: list[str] = []
        stack = [len(self.nodes) - 1]
        while stack:
            i = stack.pop()
            kind, operands = self.nodes[i]
            if kind == "leaf":
                for name in unknown_fields[operands[0]]:
                    if name not in found:
                        found.append(name)
            else:
                stack.extend(c for c in reversed(operands) if values[c] is None)
        return tuple(sorted(found, key=_FIELD_ORDER.__getitem__))


# ---------------------------------------------------------------------------------------------
# Compilation


_NOT_A_GROUP = object()


class _Compiler:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.errors: list[tuple[str, str]] = []
        self.nodes: list[tuple[str, tuple[int, ...]]] = []
        self.leaves: list[Leaf] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def node(self, data: Any, path: str, negated: bool = False) -> int | None:
        if not isinstance(data, Mapping):
            self.fail(path, '条件应为JSON对象,例如 {"field": "employees", "op": "<=", "value": 300}')
            return None
        if "not" in data:
            if not self._only(data, {"not"}, path):
                return None
            return self.node(data["not"], f"{path}.not", not negated)
        group = self._group(data, path, negated, self.node)
        if group is None:
            return None
        if group is not _NOT_A_GROUP:
            self.nodes.append(group)
            return len(self.nodes) - 1
        leaf = self.leaf(data, path, negated)
        if leaf is None:
            return None
        self.leaves.append(leaf)
        self.nodes.append(("leaf", (len(self.leaves) - 1,)))
        return len(self.nodes) - 1

    def _group(self, data: Mapping, path: str, negated: bool, child: Callable[..., Any]) -> Any:
        """Compile an all/any group's children with ``child``: (kind, parts), None on an error,
        or _NOT_A_GROUP when ``data`` is no group. Conditions and equipment conditions share it.
        """
        for mode in ("all", "any"):
            if mode in data:
                if not self._only(data, {mode}, path):
                    return None
                children = data[mode]
                if not isinstance(children, list) or not children:
                    self.fail(f"{path}.{mode}", f"“{mode}”应为至少包含一个条件的列表")
                    return None
                parts = [child(c, f"{path}.{mode}[{i}]", negated) for i, c in enumerate(children)]
                if any(p is None for p in parts):
                    return None
                # De Morgan: a negated group becomes the other group of negated children.
                kind = mode if not negated else ("any" if mode == "all" else "all")
                return kind, tuple(parts)
        return _NOT_A_GROUP

    def _only(self, data: Mapping, allowed: set[str], path: str) -> bool:
        extra = [k for k in data if k not in allowed]
        if extra:
            self.fail(path, f"不支持的键:{'、'.join(map(str, extra))}")
            return False
        return True

    def leaf(self, data: Mapping, path: str, negated: bool) -> Leaf | None:
        if "field" in data:
            return self.compare(data, path, negated)
        if "industry" in data:
            if not self._only(data, {"industry", "label"}, path):
                return None
            prefixes = data["industry"]
            if (
                not isinstance(prefixes, list)
                or not prefixes
                or not all(isinstance(p, str) for p in prefixes)
            ):
                self.fail(f"{path}.industry", '“industry”应为行业代码列表,例如 ["C", "I65"]')
                return None
            ok = True
            for i, p in enumerate(prefixes):
                problem = industries.code_problem(p)
                if problem:
                    self.fail(f"{path}.industry[{i}]", problem)
                    ok = False
            label = data.get("label")
            if label is not None and not isinstance(label, str):
                self.fail(f"{path}.label", "“label”应为文字")
                ok = False
            return IndustryIn(tuple(prefixes), label, negated) if ok else None
        if "size" in data:
            return self.size(data, path, negated)
        if "equipment" in data:
            if not self._only(data, {"equipment"}, path):
                return None
            item = self.item(data["equipment"], f"{path}.equipment", False)
            return EquipmentAny(item, negated) if item is not None else None
        self.fail(path, "无法识别的条件:应含 all、any、not、field、industry、size 或 equipment 之一")
        return None

    def size(self, data: Mapping, path: str, negated: bool) -> Leaf | None:
        if not self._only(data, {"size", "in"}, path):
            return None
        key = data["size"]
        standard = self.schema.standards.get(key) if isinstance(key, str) else None
        if standard is None:
            known = "、".join(self.schema.standards) or "(无)"
            self.fail(f"{path}.size", f"未知的规模标准“{key}”,可用:{known}")
            return None
        if standard.kind == "test":
            if "in" in data:
                self.fail(f"{path}.in", f"“{key}”是判断型标准,不用“in”;表示不符合时请用 not")
                return None
            expected = frozenset({not negated})
        else:
            labels = data.get("in")
            allowed = standard.outcomes
            if not isinstance(labels, list) or not labels or any(x not in allowed for x in labels):
                self.fail(f"{path}.in", f"“in”应为规模列表,取值为 {'、'.join(sorted(allowed))}")
                return None
            expected = frozenset(labels)
            if negated:
                expected = allowed - expected
        return SizeIn(standard, expected)

    def threshold(self, spec: FieldSpec, value: Any, path: str) -> _Threshold | None:
        if isinstance(value, Mapping):
            if set(value) != {"param"}:
                self.fail(path, '参数引用应为 {"param": "参数键"}')
                return None
            key = value["param"]
            kind = self.schema.param_types.get(key) if isinstance(key, str) else None
            if kind is None:
                self.fail(path, f"未知的参数“{key}”")
                return None
            want = datetime.date if spec.kind == "date" else Decimal
            if spec.kind not in ("date", "int", "number") or kind is not want:
                self.fail(path, f"参数“{key}”的类型与字段“{spec.label}”不符")
                return None
            return _Threshold(param=key)
        literal = self.literal(spec, value, path)
        return None if literal is _INVALID else _Threshold(literal=literal)

    def literal(self, spec: FieldSpec, value: Any, path: str) -> Any:
        kind = spec.kind
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "enum" and value in spec.choices:
            return value
        if kind in ("int", "number") and isinstance(value, int | float) and not isinstance(value, bool):
            if spec.choices and value not in spec.choices:
                self.fail(path, f"{spec.label}只能取 {'、'.join(map(str, spec.choices))}")
                return _INVALID
            return value
        if kind == "date" and isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        expected = {
            "bool": "true 或 false",
            "enum": "、".join(map(str, spec.choices)),
            "int": "数字",
            "number": "数字",
            "date": "YYYY-MM-DD 日期",
        }.get(kind, "有效取值")
        self.fail(path, f"“{spec.label}”的比较值应为{expected}")
        return _INVALID

    def compare(self, data: Mapping, path: str, negated: bool) -> Leaf | None:
        if not self._only(data, {"field", "op", "value", "label"}, path):
            return None
        spec = PROFILE_FIELDS.get(data["field"]) if isinstance(data["field"], str) else None
        # Dates: only the screening day itself, so that a rule can change on a date officials
        # set (measure 12's list of industries grows on 2022-07-01) without a code path.
        if (
            spec is None
            or spec.kind in ("equipment", "industry")
            or (spec.kind == "date" and spec.name != "as_of")
        ):
            hint = "行业请用 industry 条件,设备请用 equipment 条件" if spec is not None else ""
            self.fail(f"{path}.field", f"不能在此比较的字段“{data['field']}”{hint}")
            return None
        op = data.get("op")
        allowed = {"bool": _BOOL_OPS, "enum": _CHOICE_OPS}.get(spec.kind, _NUMBER_OPS)
        if op not in allowed:
            self.fail(f"{path}.op", f"字段“{spec.label}”不支持运算符“{op}”,可用:{' '.join(sorted(allowed))}")
            return None
        if "value" not in data:
            self.fail(f"{path}.value", "缺少比较值“value”")
            return None
        label = data.get("label")
        if label is not None and not isinstance(label, str):
            self.fail(f"{path}.label", "“label”应为文字")
            return None
        if negated:
            op = _NEGATED_OP[op]
        if op in ("in", "not_in"):
            values = data["value"]
            if not isinstance(values, list) or not values:
                self.fail(f"{path}.value", "“in”的比较值应为非空列表")
                return None
            checked = [self.literal(spec, v, f"{path}.value[{i}]") for i, v in enumerate(values)]
            if any(v is _INVALID for v in checked):
                return None
            return Compare(spec, op, tuple(checked), label)
        threshold = self.threshold(spec, data["value"], f"{path}.value")
        if threshold is None:
            return None
        if spec.kind == "bool" and op == "!=":
            # Booleans read better as "== not x": the sentence then names the wanted answer.
            op, threshold = "==", _Threshold(literal=not threshold.literal)
        return Compare(spec, op, threshold, label)

    def item(self, data: Any, path: str, negated: bool) -> ItemCompare | ItemGroup | None:
        if not isinstance(data, Mapping):
            self.fail(path, "设备条件应为JSON对象")
            return None
        if "not" in data:
            if not self._only(data, {"not"}, path):
                return None
            return self.item(data["not"], f"{path}.not", not negated)
        group = self._group(data, path, negated, self.item)
        if group is None:
            return None
        if group is not _NOT_A_GROUP:
            return ItemGroup(*group)
        if not self._only(data, {"field", "op", "value"}, path):
            return None
        field = data.get("field")
        spec = EQUIPMENT_FIELDS.get(field) if isinstance(field, str) else None
        if spec is None:
            self.fail(
                f"{path}.field", f"设备没有字段“{data.get('field')}”,可用:{'、'.join(EQUIPMENT_FIELDS)}"
            )
            return None
        op = data.get("op")
        if op not in _ITEM_OPS:
            self.fail(f"{path}.op", f"设备条件不支持运算符“{op}”")
            return None
        if negated:
            op = _NEGATED_OP[op]
        threshold = self.threshold(spec, data.get("value"), f"{path}.value")
        return ItemCompare(spec, op, threshold) if threshold is not None else None


_INVALID = object()


def compile_condition(data: Any, schema: Schema, path: str = "condition") -> Condition:
    """Compile a JSON condition; raise RuleError naming every problem with its JSON path."""
    compiler = _Compiler(schema)
    root = compiler.node(data, path)
    if compiler.errors or root is None:
        raise RuleError(compiler.errors or [(path, "条件无效")])
    return Condition(data, compiler.nodes, compiler.leaves)
