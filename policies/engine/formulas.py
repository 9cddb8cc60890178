"""The estimate language: safe arithmetic over a profile, compiled once from Python syntax.

An estimate is JSON::

    {"kind": "tax_saving",
     "when": {"field": "entity_type", "op": "==", "value": "enterprise"},   # optional condition
     "let": [{"name": "rate", "expr": "p.m11_rate_high if industry_in('C') or is_tech_sme else p.m11_rate"}],
     "formula": "p.m11_cit_rate * rate * rd_expense_wan",                   # in 万元
     "basis": "{wan(rd_expense_wan)} × {pct(rate)} × {pct(p.m11_cit_rate)} = {wan(result)}"}

``formula`` and the ``let`` expressions are Python expressions restricted to: numbers, strings,
profile fields by name (money in 万元, as exact decimals), dated parameters as ``p.<key>``,
``let`` names, ``qualifying`` (the equipment items meeting the rule's equipment condition; their
fields as ``e.unit_value_wan``), ``+ - * /``, comparisons, ``and or not``, ``x if c else y``,
one-``for`` comprehensions (``sum(e.unit_value_wan for e in qualifying)``) and the functions
``min max sum abs len``, ``industry_in('C', ...)``, ``size_in('size_300', 'small', ...)``,
``size_is('small_low_profit')``, ``size_label('size_300')``, and for text ``wan(x)`` (150万元),
``pct(x)`` (25%), ``num(x)``, ``join(sep, items)``. Nothing else parses: no imports, no
attribute access beyond ``p.`` and item fields, no keywords.

``basis`` is text with ``{expression}`` placeholders, evaluated like the formula and with
``result`` bound to the amount in 万元. The amount in 元 is ``result × 10000`` rounded half up.
Unknown inputs propagate in three-valued fashion; an estimate that still depends on them is
``None``.
"""

from __future__ import annotations

import ast
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from . import industry as industries
from .conditions import Condition, Context, EquipmentAny, Schema
from .errors import EstimateError, RuleError
from .profile import EQUIPMENT_FIELDS, PROFILE_FIELDS, Equipment
from .text import join_or, number, percent, to_decimal, wan

ESTIMATE_KINDS = ("tax_saving", "refund", "subsidy", "deduction", "cap")
# amount_yuan is a JSON integer: clients (and orjson) take 64 bits.
MAX_YUAN = 2**63 - 1


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class _Failure(Exception):
    """Arithmetic that cannot be done on these figures (division by zero, empty min)."""


class Env:
    __slots__ = ("ctx", "names", "unknown")

    def __init__(self, ctx: Context, names: dict[str, Any]) -> None:
        self.ctx = ctx
        self.names = names
        self.unknown: list[str] = []

    def note_unknown(self, fields: tuple[str, ...] | list[str]) -> None:
        for name in fields:
            if name not in self.unknown:
                self.unknown.append(name)


Fn = Callable[[Env], Any]


def _dec(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return to_decimal(value)


def _item_attr(item: Equipment, name: str) -> Any:
    return _dec(getattr(item, name))


# Text helpers for the basis.
def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return number(value)
    raise _Failure(f"cannot render {value!r}")


def _iterable(args: list[Any]) -> list[Any]:
    return list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)


def _min(args: list[Any]) -> Any:
    items = _iterable(args)
    if not items:
        raise _Failure("min of nothing")
    return min(items)


def _max(args: list[Any]) -> Any:
    items = _iterable(args)
    if not items:
        raise _Failure("max of nothing")
    return max(items)


_PLAIN_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "min": _min,
    "max": _max,
    "sum": lambda args: sum(_iterable(args), Decimal(0)),
    "abs": lambda args: abs(args[0]),
    "len": lambda args: Decimal(len(args[0])),
    "wan": lambda args: wan(args[0]),
    "pct": lambda args: percent(args[0]),
    "num": lambda args: number(args[0]),
    "join": lambda args: str(args[0]).join(_fmt(x) for x in args[1]),
}
_ARITY = {"abs": 1, "len": 1, "wan": 1, "pct": 1, "num": 1, "join": 2, "sum": 1}
_CONTEXT_FUNCTIONS = {"industry_in", "size_in", "size_is", "size_label"}

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_CMPOPS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def _constant(value: Any) -> Fn:
    return lambda env: value


class _ExprCompiler:
    def __init__(self, schema: Schema, names: set[str], path: str) -> None:
        self.schema = schema
        self.names = set(names)  # let names, "qualifying", "result"
        self.loop_vars: set[str] = set()
        self.path = path

    def fail(self, message: str) -> RuleError:
        return RuleError([(self.path, message)])

    def compile(self, text: Any) -> Fn:
        if not isinstance(text, str) or not text.strip():
            raise self.fail("公式应为非空文字")
        if len(text) > 2000:
            raise self.fail("公式过长(不超过2000个字符)")
        try:
            tree = ast.parse(text.strip(), mode="eval")
            return self.node(tree.body)
        except SyntaxError as exc:
            raise self.fail(f"公式语法错误:{exc.msg}(第{exc.offset or 0}个字符附近)") from None
        except RecursionError:
            raise self.fail("公式嵌套过深") from None

    def node(self, node: ast.AST) -> Fn:  # noqa: C901 - one branch per syntax form
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or isinstance(value, str):
                return _constant(value)
            if isinstance(value, int | float):
                return _constant(to_decimal(value))
            raise self.fail(f"不支持的常量:{value!r}")
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return self.binop(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            return self.unary(node)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node)
        if isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            return self.ifexp(node)
        if isinstance(node, ast.Tuple | ast.List):
            parts = [self.node(e) for e in node.elts]
            return lambda env: tuple(p(env) for p in parts)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            return self.comprehension(node)
        raise self.fail(f"公式中不允许使用“{type(node).__name__}”")

    def name(self, name: str) -> Fn:
        if name in self.loop_vars or name in self.names:

            def get(env: Env) -> Any:
                return env.names[name]

            return get
        spec = PROFILE_FIELDS.get(name)
        if spec is None or name == "as_of":
            raise self.fail(f"未知的名称“{name}”")

        def profile_value(env: Env) -> Any:
            value = env.ctx.values.get(name)
            if value is None:
                env.note_unknown((name,))
                return UNKNOWN
            if name == "equipment":
                return list(value)
            return _dec(value)

        return profile_value

    def attribute(self, node: ast.Attribute) -> Fn:
        base = node.value
        if isinstance(base, ast.Name) and base.id == "p" and "p" not in self.loop_vars:
            key = node.attr
            if key not in self.schema.param_types:
                raise self.fail(f"未知的参数“p.{key}”")

            def param(env: Env) -> Any:
                value = env.ctx.params.get(key)
                return UNKNOWN if value is None else value

            return param
        if isinstance(base, ast.Name) and base.id in self.loop_vars:
            field = node.attr
            if field not in EQUIPMENT_FIELDS:
                raise self.fail(f"设备没有字段“{field}”")
            var = base.id
            return lambda env: _item_attr(env.names[var], field)
        raise self.fail("只能读取参数(p.键)和设备字段(e.unit_value_wan)")

    def binop(self, node: ast.BinOp) -> Fn:
        left, right, fn = self.node(node.left), self.node(node.right), _BINOPS[type(node.op)]

        def run(env: Env) -> Any:
            a, b = left(env), right(env)
            if a is UNKNOWN or b is UNKNOWN:
                return UNKNOWN
            try:
                return fn(a, b)
            except (ArithmeticError, InvalidOperation, TypeError) as exc:
                raise _Failure(str(exc)) from None

        return run

    def unary(self, node: ast.UnaryOp) -> Fn:
        operand = self.node(node.operand)
        op = node.op

        def run(env: Env) -> Any:
            v = operand(env)
            if v is UNKNOWN:
                return UNKNOWN
            if isinstance(op, ast.Not):
                return not v
            try:
                return -v if isinstance(op, ast.USub) else +v
            except TypeError as exc:
                raise _Failure(str(exc)) from None

        return run

    def boolop(self, node: ast.BoolOp) -> Fn:
        parts = [self.node(v) for v in node.values]
        is_and = isinstance(node.op, ast.And)

        def run(env: Env) -> Any:
            unknown = False
            for part in parts:
                v = part(env)
                if v is UNKNOWN:
                    unknown = True
                elif bool(v) != is_and:
                    return not is_and
            return UNKNOWN if unknown else is_and

        return run

    def compare(self, node: ast.Compare) -> Fn:
        first = self.node(node.left)
        rest = [(_CMPOPS[type(op)], self.node(c)) for op, c in zip(node.ops, node.comparators)]

        def run(env: Env) -> Any:
            left = first(env)
            result: Any = True
            for fn, comparator in rest:
                right = comparator(env)
                if left is UNKNOWN or right is UNKNOWN:
                    result = UNKNOWN
                else:
                    try:
                        if not fn(left, right):
                            return False
                    except TypeError as exc:
                        raise _Failure(str(exc)) from None
                left = right
            return result

        return run

    def ifexp(self, node: ast.IfExp) -> Fn:
        test, body, orelse = self.node(node.test), self.node(node.body), self.node(node.orelse)

        def run(env: Env) -> Any:
            t = test(env)
            if t is UNKNOWN:
                a, b = body(env), orelse(env)
                return a if a == b and a is not UNKNOWN else UNKNOWN
            return body(env) if t else orelse(env)

        return run

    def call(self, node: ast.Call) -> Fn:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise self.fail("只能调用内置函数,且不能使用关键字参数")
        name = node.func.id
        if name in _CONTEXT_FUNCTIONS:
            return self.context_call(name, node.args)
        fn = _PLAIN_FUNCTIONS.get(name)
        if fn is None:
            raise self.fail(f"未知的函数“{name}”")
        if name in _ARITY and len(node.args) != _ARITY[name]:
            raise self.fail(f"函数“{name}”需要{_ARITY[name]}个参数")
        if not node.args:
            raise self.fail(f"函数“{name}”缺少参数")
        args = [self.node(a) for a in node.args]

        def run(env: Env) -> Any:
            values = [a(env) for a in args]
            for v in values:
                if v is UNKNOWN or (isinstance(v, list | tuple) and any(x is UNKNOWN for x in v)):
                    return UNKNOWN
            try:
                return fn(values)
            except (ArithmeticError, InvalidOperation, TypeError, ValueError) as exc:
                raise _Failure(str(exc)) from None

        return run

    def context_call(self, name: str, args: list[ast.expr]) -> Fn:
        if not args or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            raise self.fail(f"函数“{name}”的参数应为文字常量")
        values = [a.value for a in args]  # type: ignore[attr-defined]
        if name == "industry_in":
            for code in values:
                problem = industries.code_problem(code)
                if problem:
                    raise self.fail(problem)
            prefixes = tuple(values)

            def industry_in(env: Env) -> Any:
                inside = industries.membership(env.ctx.values.get("industry"), prefixes)
                if inside is None:
                    env.note_unknown(("industry",))
                    return UNKNOWN
                return inside

            return industry_in
        key, labels = values[0], frozenset(values[1:])
        standard = self.schema.standards.get(key)
        if standard is None:
            raise self.fail(f"未知的规模标准“{key}”")
        if name == "size_in":
            if standard.kind != "tiered" or not labels or not labels <= standard.outcomes:
                raise self.fail(
                    f"size_in 需要分档标准和规模:{'、'.join(sorted(map(str, standard.outcomes)))}"
                )
            wanted = labels
        elif name == "size_is":
            if standard.kind != "test" or labels:
                raise self.fail("size_is 只接受一个判断型标准的键")
            wanted = frozenset({True})
        else:
            if standard.kind != "tiered" or labels:
                raise self.fail("size_label 只接受一个分档标准的键")
            wanted = frozenset()

        def size(env: Env) -> Any:
            outcome = env.ctx.size(key)
            if outcome is None:
                return UNKNOWN
            if name == "size_label":
                # Text only: an undecided class reads "小型或微型" rather than blocking the estimate.
                standard = env.ctx.standard(key)
                assert standard is not None  # ctx.size gave an outcome, so the standard exists
                order = (*standard.tiers, standard.fallback)
                return join_or([standard.label(t) for t in order if t in outcome.possible])
            if outcome.possible <= wanted:
                return True
            if not outcome.possible & wanted:
                return False
            env.note_unknown(outcome.unknown_fields)
            return UNKNOWN

        return size

    def comprehension(self, node: ast.GeneratorExp | ast.ListComp) -> Fn:
        if len(node.generators) != 1:
            raise self.fail("推导式只能有一个 for")
        gen = node.generators[0]
        if not isinstance(gen.target, ast.Name) or gen.is_async:
            raise self.fail("推导式的循环变量应为一个名称")
        source = self.node(gen.iter)
        var = gen.target.id
        outer = var in self.loop_vars
        self.loop_vars.add(var)
        try:
            element = self.node(node.elt)
            conditions = [self.node(c) for c in gen.ifs]
        finally:
            if not outer:
                self.loop_vars.discard(var)

        def run(env: Env) -> Any:
            items = source(env)
            if items is UNKNOWN:
                return UNKNOWN
            if not isinstance(items, list | tuple):
                raise _Failure("can only loop over a list")
            saved = env.names.get(var, _MISSING)
            out = []
            try:
                for item in items:
                    env.names[var] = item
                    keep = True
                    for c in conditions:
                        v = c(env)
                        if v is UNKNOWN:
                            return UNKNOWN
                        if not v:
                            keep = False
                            break
                    if keep:
                        out.append(element(env))
            finally:
                if saved is _MISSING:
                    env.names.pop(var, None)
                else:
                    env.names[var] = saved
            return out

        return run


_MISSING = object()


def compile_expression(text: Any, schema: Schema, names: set[str], path: str) -> Fn:
    return _ExprCompiler(schema, names, path).compile(text)


@dataclass(frozen=True)
class Template:
    """Text with ``{expression}`` placeholders."""

    source: str
    parts: tuple[str | Fn, ...]

    def text(self, env: Env) -> str | None:
        """The rendered text, or None when it depends on unknown figures or cannot be computed."""
        try:
            rendered = self.render(env)
        except _Failure:
            return None
        return rendered if isinstance(rendered, str) else None

    def render(self, env: Env) -> str | Any:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = part(env)
            if value is UNKNOWN:
                return UNKNOWN
            out.append(_fmt(value))
        return "".join(out)


def compile_template(text: Any, schema: Schema, names: set[str], path: str) -> Template:
    if not isinstance(text, str):
        raise RuleError([(path, "说明应为文字,可含 {表达式} 占位符")])
    parts: list[str | Fn] = []
    pos = 0
    while pos < len(text):
        start = text.find("{", pos)
        if start < 0:
            parts.append(text[pos:])
            break
        end = text.find("}", start)
        if end < 0:
            raise RuleError([(path, "占位符的“{”没有对应的“}”")])
        if text[pos:start]:
            parts.append(text[pos:start])
        parts.append(compile_expression(text[start + 1 : end], schema, names, path))
        pos = end + 1
    if "}" in "".join(p for p in parts if isinstance(p, str)):
        raise RuleError([(path, "多余的“}”")])
    return Template(text, tuple(parts))


@dataclass(frozen=True)
class Estimate:
    amount_yuan: int
    kind: str
    basis: str


@dataclass(frozen=True)
class EstimateSpec:
    kind: str
    formula: Fn
    basis: Template
    lets: tuple[tuple[str, Fn], ...]
    when: Condition | None
    qualifying: EquipmentAny | None
    source: Any

    def compute(self, ctx: Context, *, explain: bool = True) -> tuple[Estimate | None, tuple[str, ...]]:
        """The estimate, or None with the profile fields it still depends on.

        Without ``explain`` the basis is left empty (bulk re-screening needs amounts only).
        """
        if self.when is not None:
            applies, fields = self.when.value(ctx)
            if applies is not True:
                return None, fields
        names: dict[str, Any] = {}
        if self.qualifying is not None:
            matching = self.qualifying.matching(ctx)
            names["qualifying"] = UNKNOWN if matching is None else matching
        env = Env(ctx, names)
        try:
            for name, fn in self.lets:
                names[name] = fn(env)
            amount = self.formula(env)
            if amount is UNKNOWN:
                return None, tuple(env.unknown)
            if not isinstance(amount, Decimal):
                return None, ()
            names["result"] = amount
            basis = self.basis.render(env) if explain else ""
            if basis is UNKNOWN:
                return None, tuple(env.unknown)
            yuan = int((amount * 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        except _Failure:
            return None, ()
        except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
            # A formula that compiled can still fail on some figures (a result too large for
            # Decimal's precision, say). The caller contains it to this one measure.
            reason = "除数为零" if isinstance(exc, ZeroDivisionError) else "计算结果超出可表示的范围"
            raise EstimateError([("estimate", f"{reason}({type(exc).__name__})")]) from exc
        if not -MAX_YUAN <= yuan <= MAX_YUAN:
            raise EstimateError([("estimate", f"金额{yuan}元超出JSON整数范围")])
        return Estimate(amount_yuan=yuan, kind=self.kind, basis=basis), ()


def compile_estimate(
    data: Any, schema: Schema, when: Condition | None, qualifying: EquipmentAny | None, path: str
) -> EstimateSpec:
    """Compile an estimate spec (``when`` already compiled by the caller)."""
    errors: list[tuple[str, str]] = []
    if not isinstance(data, Mapping):
        raise RuleError([(path, "估算应为JSON对象,含 kind、formula、basis")])
    extra = [k for k in data if k not in ("kind", "when", "let", "formula", "basis")]
    if extra:
        errors.append((path, f"不支持的键:{'、'.join(map(str, extra))}"))
    kind = data.get("kind")
    if kind not in ESTIMATE_KINDS:
        errors.append((f"{path}.kind", f"估算类型应为 {'、'.join(ESTIMATE_KINDS)} 之一"))
    names: set[str] = {"qualifying"} if qualifying is not None else set()
    lets: list[tuple[str, Fn]] = []
    raw_lets = data.get("let", [])
    if not isinstance(raw_lets, list):
        errors.append((f"{path}.let", '“let”应为 [{"name": ..., "expr": ...}] 列表'))
        raw_lets = []
    for i, item in enumerate(raw_lets):
        where = f"{path}.let[{i}]"
        name = item.get("name") if isinstance(item, Mapping) else None
        if (
            not isinstance(name, str)
            or not name.isidentifier()
            or name in PROFILE_FIELDS
            or name
            in (
                "p",
                "qualifying",
                "result",
            )
        ):
            errors.append((where, '“let”每项应为 {"name": 名称, "expr": 表达式},名称不能与字段重名'))
            continue
        try:
            lets.append((name, compile_expression(item.get("expr"), schema, names, f"{where}.expr")))
        except RuleError as exc:
            errors.extend(exc.errors)
        names.add(name)
    formula = basis = None
    try:
        formula = compile_expression(data.get("formula"), schema, names, f"{path}.formula")
    except RuleError as exc:
        errors.extend(exc.errors)
    try:
        basis = compile_template(data.get("basis", ""), schema, names | {"result"}, f"{path}.basis")
    except RuleError as exc:
        errors.extend(exc.errors)
    if errors:
        raise RuleError(errors)
    assert isinstance(kind, str) and formula is not None and basis is not None  # else errors
    return EstimateSpec(
        kind=kind,
        formula=formula,
        basis=basis,
        lets=tuple(lets),
        when=when,
        qualifying=qualifying,
        source=data,
    )
