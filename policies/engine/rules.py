"""The rule set: measures with compiled conditions, dated parameters and size standards.

``build_ruleset`` turns plain data (the shape of ``fixtures/rules_source.json``, or what the
Django loader reads from the database) into a RuleSet, compiling every condition and formula
once and raising RuleError with the JSON path of every problem. A RuleSet is immutable and is
shared by every screening.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from . import industry as industries
from .conditions import Condition, Schema, compile_condition
from .dated import Dated
from .errors import ErrorCollector, RuleError
from .formulas import EstimateSpec, Template, compile_estimate, compile_template
from .sizes import OPS, SIZE_FIELDS, Limit, SizeRow, SizeStandard
from .text import to_decimal

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Parameter(Dated):
    """A dated value: a rate, threshold, cap or date, with where it comes from."""

    key: str
    value: Decimal | datetime.date
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    unit: str = ""
    label: str = ""
    measure: int | None = None
    quote: str = ""
    source: str = ""


@dataclass(frozen=True)
class Deadline:
    date: datetime.date
    label: str
    condition: Condition | None = None


@dataclass(frozen=True)
class Note:
    """An extra sentence shown when its condition holds, e.g. the tier a revenue reaches."""

    when: Condition
    text: Template


@dataclass(frozen=True)
class MeasureRule(Dated):
    number: int
    title: str
    condition: Condition | None = None  # None: informational
    estimate: EstimateSpec | None = None
    notes: tuple[Note, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    citation: str = ""
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    responsible_units: tuple[str, ...] = ()
    document: str = ""  # the 文号 of the measure's document; numbers are unique within one

    @property
    def static(self) -> bool:
        """Whether the result depends on the date alone (no condition, no conditional deadline)."""
        return self.condition is None and all(d.condition is None for d in self.deadlines)

    def in_force(self, day: datetime.date) -> bool:
        return self.valid_on(day)


class Day(NamedTuple):
    params: dict[str, Any]  # exact values (Decimal or date)
    params_float: dict[str, Any]  # numbers as floats, for comparisons with profile figures
    standards: dict[str, SizeStandard | None]
    in_force: tuple[bool, ...]  # per measure, in the rule set's order
    memo: dict[str, Any]  # results that depend on the date alone, filled by the screening


@dataclass(frozen=True)
class RuleSet:
    measures: tuple[MeasureRule, ...]
    parameters: tuple[Parameter, ...] = ()
    size_standards: tuple[SizeStandard, ...] = ()
    _by_date: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def on(self, day: datetime.date) -> Day:
        """What is in force on ``day``: parameters, size standards, and each measure's in_force."""
        found = self._by_date.get(day)
        if found is None:
            params = {p.key: p.value for p in _versions_on(self.parameters, day)}
            floats = {k: float(v) if isinstance(v, Decimal) else v for k, v in params.items()}
            standards: dict[str, SizeStandard | None] = {s.key: None for s in self.size_standards}
            for s in _versions_on(self.size_standards, day):
                standards[s.key] = s
            found = Day(params, floats, standards, tuple(m.in_force(day) for m in self.measures), {})
            if len(self._by_date) > 4096:  # dates are few in practice; keep memory bounded anyway
                self._by_date.clear()
            self._by_date[day] = found
        return found

    def documents(self) -> tuple[str, ...]:
        """The documents (文号) the measures belong to, in the rule set's order."""
        return tuple(dict.fromkeys(m.document for m in self.measures))

    def only(self, document: str) -> RuleSet:
        """The same rules restricted to one document's measures (nothing is compiled again)."""
        return RuleSet(
            measures=tuple(m for m in self.measures if m.document == document),
            parameters=self.parameters,
            size_standards=self.size_standards,
        )

    def measure(self, number: int, document: str | None = None) -> MeasureRule:
        """Measure ``number`` (of ``document``, a 文号; without one, the first so numbered)."""
        for m in self.measures:
            if m.number == number and (document is None or m.document == document):
                return m
        raise KeyError(number)


def _versions_on(items: tuple[Any, ...], day: datetime.date) -> list[Any]:
    """Per key, the version that applies on ``day``.

    The version valid on that day; before a key's first version, the first one (contract 1.1:
    a profile dated before a threshold was set is judged by it, and ``in_force`` says the measure
    was not yet in force); in a gap or after the last version, the latest one that ended before
    ``day``. So every key always has a value and no requirement sentence is left without a figure.
    """
    chosen: dict[str, Any] = {}
    rank: dict[str, tuple[int, datetime.date]] = {}
    for item in items:
        start = item.valid_from or datetime.date.min
        end = item.valid_until or datetime.date.max
        if start <= day <= end:
            score = (2, start)
        elif end < day:
            score = (1, end)
        else:  # starts after day: prefer the earliest start, so negate it in the ordering
            score = (0, datetime.date.max - (start - datetime.date.min))
        if item.key not in rank or score > rank[item.key]:
            rank[item.key] = score
            chosen[item.key] = item
    return list(chosen.values())


# ---------------------------------------------------------------------------------------------
# Building from plain data


def parse_date(
    value: Any, path: str, errors: ErrorCollector, *, required: bool = False
) -> datetime.date | None:
    if value is None:
        if required:
            errors.add(path, "必须填写日期(YYYY-MM-DD)")
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    errors.add(path, f"“{value}”不是有效日期(YYYY-MM-DD)")
    return None


def parse_param_value(value: Any) -> Decimal | datetime.date:
    """A parameter value: a decimal number (as text or number) or a date ``YYYY-MM-DD``."""
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        return datetime.date.fromisoformat(value.strip())
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | Decimal):
        result = to_decimal(value)
    elif isinstance(value, str):
        result = Decimal(value.strip())
    else:
        raise ValueError(value)
    if not result.is_finite():
        raise ValueError(value)
    return result


def _overlap(a: Any, b: Any) -> bool:
    lo = max(a.valid_from or datetime.date.min, b.valid_from or datetime.date.min)
    hi = min(a.valid_until or datetime.date.max, b.valid_until or datetime.date.max)
    return lo <= hi


def _objects(items: Any, errors: ErrorCollector, path: str, what: str) -> Iterator[tuple[str, Mapping]]:
    """The JSON objects of a list with their paths; a list that is none, or an item, is an error."""
    if not isinstance(items, list):
        errors.add(path, f"{what}应为列表")
        return
    for i, item in enumerate(items):
        where = f"{path}[{i}]"
        if isinstance(item, Mapping):
            yield where, item
        else:
            errors.add(where, f"{what}应为JSON对象")


def build_parameters(items: Any, errors: ErrorCollector, path: str = "parameters") -> list[Parameter]:
    params: list[Parameter] = []
    for where, item in _objects(items, errors, path, "参数"):
        key = item.get("key")
        if not isinstance(key, str) or not key.isidentifier():
            errors.add(f"{where}.key", "参数键应为英文标识,例如 m7_band_limit_wan")
            continue
        try:
            value = parse_param_value(item.get("value"))
        except (ValueError, InvalidOperation):
            errors.add(f"{where}.value", "参数值应为数字(如 0.25、500)或日期(如 2022-06-01)")
            continue
        valid_from = parse_date(item.get("valid_from"), f"{where}.valid_from", errors)
        valid_until = parse_date(item.get("valid_until"), f"{where}.valid_until", errors)
        if valid_from and valid_until and valid_until < valid_from:
            errors.add(f"{where}.valid_until", "失效日期不能早于生效日期")
        measure = item.get("measure")
        if measure is not None and (isinstance(measure, bool) or not isinstance(measure, int)):
            errors.add(f"{where}.measure", "来源条款应为序号")
            measure = None
        param = Parameter(
            key=key,
            value=value,
            valid_from=valid_from,
            valid_until=valid_until,
            unit=str(item.get("unit") or ""),
            label=str(item.get("label") or ""),
            measure=measure,
            quote=str(item.get("quote") or ""),
            source=str(item.get("source") or ""),
        )
        for j, other in enumerate(params):
            if other.key != key:
                continue
            if type(other.value) is not type(value):
                errors.add(f"{where}.value", f"参数“{key}”各版本的类型应一致(数字或日期)")
            elif _overlap(other, param):
                errors.add(f"{where}.valid_from", f"参数“{key}”的有效期与第{j + 1}项重叠")
        params.append(param)
    return params


def build_size_standards(
    items: Any, errors: ErrorCollector, path: str = "size_standards"
) -> list[SizeStandard]:
    standards: list[SizeStandard] = []
    for where, item in _objects(items, errors, path, "规模标准"):
        standard = _size_standard(item, where, errors)
        if standard is None:
            continue
        for j, other in enumerate(standards):
            if other.key != standard.key:
                continue
            if (other.kind, other.outcomes) != (standard.kind, standard.outcomes):
                errors.add(where, f"规模标准“{standard.key}”各版本的类型和分档应一致")
            elif _overlap(other, standard):
                errors.add(f"{where}.valid_from", f"规模标准“{standard.key}”的有效期与第{j + 1}项重叠")
        standards.append(standard)
    return standards


def _size_standard(item: Mapping, where: str, errors: ErrorCollector) -> SizeStandard | None:
    before = len(errors.items)
    key, name, kind = item.get("key"), item.get("name"), item.get("kind")
    if not isinstance(key, str) or not key.isidentifier():
        errors.add(f"{where}.key", "标准键应为英文标识,例如 size_300")
    if not isinstance(name, str) or not name:
        errors.add(f"{where}.name", "请填写标准名称")
    if kind not in ("tiered", "test"):
        errors.add(f"{where}.kind", "类型应为 tiered(分档)或 test(判断)")
        return None
    tiers, fallback, combine = _size_tiers(item, kind, where, errors)
    valid_from = parse_date(item.get("valid_from"), f"{where}.valid_from", errors)
    valid_until = parse_date(item.get("valid_until"), f"{where}.valid_until", errors)
    rows = _size_rows(item.get("rows"), where, errors, kind, tiers)
    if len(errors.items) > before:
        return None
    assert isinstance(key, str) and isinstance(name, str)  # else an error was added above
    return SizeStandard(
        key=key,
        name=name,
        kind=kind,
        rows=rows,
        valid_from=valid_from,
        valid_until=valid_until,
        tiers=tiers,
        fallback=fallback,
        combine=combine,
        source=str(item.get("source") or ""),
    )


def _size_tiers(
    item: Mapping, kind: str, where: str, errors: ErrorCollector
) -> tuple[tuple[str, ...], str, str]:
    """A standard's tiers and fallback (tiered) or how its limits combine (test)."""
    tiers = tuple(item.get("tiers") or ())
    fallback = item.get("fallback") or ""
    combine = item.get("combine") or "all"
    if kind == "tiered":
        if (
            not tiers
            or not all(isinstance(t, str) and t for t in tiers)
            or not isinstance(fallback, str)
            or not fallback
        ):
            errors.add(f"{where}.tiers", "分档标准需列出从大到小的档次(tiers)和兜底档次(fallback)")
        elif fallback in tiers or len(set(tiers)) != len(tiers):
            errors.add(f"{where}.tiers", "档次不能重复")
    elif combine not in ("all", "any"):
        errors.add(f"{where}.combine", "判断型标准的组合方式应为 all(全部满足)或 any(满足其一)")
    return tiers, fallback, combine


def _size_rows(
    raw_rows: Any, where: str, errors: ErrorCollector, kind: str, tiers: tuple[str, ...]
) -> tuple[SizeRow, ...]:
    """Check every row, then that the rows together cover each industry once and every tier."""
    rows: list[SizeRow] = []
    if not isinstance(raw_rows, list) or not raw_rows:
        errors.add(f"{where}.rows", "至少需要一行")
        raw_rows = []
    # Rows of one industry (same name and codes), one per tier; each code belongs to one industry.
    groups: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    code_owner: dict[str, str] = {}
    for r, raw in enumerate(raw_rows):
        row = size_row(raw, f"{where}.rows[{r}]", errors, kind, tiers)
        if row is None:
            continue
        group = groups.setdefault((row.name, row.codes), set())
        if row.tier in group:
            errors.add(f"{where}.rows[{r}].tier", f"“{row.name}”的档次“{row.tier or '判断'}”重复")
        group.add(row.tier)
        for code in row.codes:
            owner = code_owner.setdefault(code, row.name)
            if owner != row.name:
                errors.add(f"{where}.rows[{r}].codes", f"行业代码{code}已属于“{owner}”")
        rows.append(row)
    catch_all = [row_name for (row_name, codes) in groups if not codes]
    if len(catch_all) != 1:
        errors.add(f"{where}.rows", "应有且只有一行不填行业代码,作为“其他未列明行业”")
    if kind == "tiered":
        for (row_name, _), have in groups.items():
            lacking = [t for t in tiers if t not in have]
            if lacking:
                errors.add(f"{where}.rows", f"“{row_name}”缺少档次:{'、'.join(lacking)}")
    return tuple(rows)


def size_row(
    raw: Any, where: str, errors: ErrorCollector, kind: str, tiers: tuple[str, ...]
) -> SizeRow | None:
    """Check one row of a size table (also used by the admin to validate a single row)."""
    before = len(errors.items)
    if not isinstance(raw, Mapping):
        errors.add(where, "每行应为JSON对象")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        errors.add(f"{where}.name", "请填写行业名称,例如 工业")
    codes = raw.get("codes") or []
    if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
        errors.add(f"{where}.codes", '行业代码应为列表,例如 ["B", "C", "D"];不填表示其他未列明行业')
        codes = []
    for c in codes:
        problem = industries.code_problem(c)
        if problem:
            errors.add(f"{where}.codes", problem)
    tier = raw.get("tier") or ""
    if kind == "tiered" and tier not in tiers:
        errors.add(f"{where}.tier", f"档次应为 {'、'.join(tiers)} 之一")
    if kind == "test" and tier:
        errors.add(f"{where}.tier", "判断型标准的行不填档次")
    limits = parse_limits(raw.get("limits"), f"{where}.limits", errors)
    if len(errors.items) > before:
        return None
    assert isinstance(name, str)  # else an error was added above
    return SizeRow(name=name, codes=tuple(codes), tier=tier, limits=limits)


def parse_limits(raw: Any, where: str, errors: ErrorCollector) -> tuple[Limit, ...]:
    example = '例如 [{"field": "employees", "op": ">=", "value": 1000}]'
    if not isinstance(raw, list) or not raw:
        errors.add(where, f"指标限值应为非空列表,{example}")
        return ()
    limits = []
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"field", "op", "value"}:
            errors.add(at, f"每个限值应含且只含 field、op、value,{example}")
            continue
        if item["field"] not in SIZE_FIELDS:
            errors.add(f"{at}.field", f"指标应为 {'、'.join(SIZE_FIELDS)} 之一")
            continue
        if item["op"] not in OPS:
            errors.add(f"{at}.op", f"运算符应为 {' '.join(OPS)} 之一")
            continue
        try:
            value = parse_param_value(item["value"])
        except (ValueError, InvalidOperation):
            value = None
        if not isinstance(value, Decimal):
            errors.add(f"{at}.value", "限值应为数字")
            continue
        limits.append(Limit(item["field"], item["op"], value))
    return tuple(limits)


def build_ruleset(data: Mapping[str, Any]) -> RuleSet:
    """Compile plain rule data into a RuleSet; raise RuleError naming every problem."""
    errors = ErrorCollector()
    if not isinstance(data, Mapping):
        raise RuleError([("", "规则数据应为JSON对象")])
    params = build_parameters(data.get("parameters", []), errors)
    standards = build_size_standards(data.get("size_standards", []), errors)
    schema = Schema(
        param_types={p.key: type(p.value) for p in params},
        standards={s.key: s for s in standards},
    )
    measures: list[MeasureRule] = []
    raw_measures = data.get("measures", [])
    if not isinstance(raw_measures, list):
        errors.add("measures", "措施应为列表")
        raw_measures = []
    seen: set[tuple[str, int]] = set()
    documents: dict[str, int] = {}  # 文号 -> rank: documents keep the order the data lists them in
    for i, item in enumerate(raw_measures):
        rule = build_measure(item, schema, errors, f"measures[{i}]")
        if rule is None:
            continue
        if (rule.document, rule.number) in seen:
            errors.add(f"measures[{i}].number", f"{rule.document}第{rule.number}条重复")
        seen.add((rule.document, rule.number))
        documents.setdefault(rule.document, len(documents))
        measures.append(rule)
    if errors.items:
        raise RuleError(errors.items)
    measures.sort(key=lambda m: (documents[m.document], m.number))
    return RuleSet(measures=tuple(measures), parameters=tuple(params), size_standards=tuple(standards))


def build_measure(item: Any, schema: Schema, errors: ErrorCollector, where: str) -> MeasureRule | None:
    before = len(errors.items)
    if not isinstance(item, Mapping):
        errors.add(where, "措施应为JSON对象")
        return None
    number = item.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        errors.add(f"{where}.number", "条款序号应为正整数")
    condition = estimate = None
    if item.get("condition") is not None:
        try:
            condition = compile_condition(item["condition"], schema, f"{where}.condition")
        except RuleError as exc:
            errors.extend(exc)
    if item.get("estimate") is not None:
        if item.get("condition") is None:
            errors.add(f"{where}.estimate", "没有资格条件的措施不能估算金额")
        else:
            estimate = compile_estimate_data(item["estimate"], schema, condition, f"{where}.estimate", errors)
    notes = []
    for n, raw in enumerate(item.get("notes") or []):
        at = f"{where}.notes[{n}]"
        if not isinstance(raw, Mapping) or set(raw) != {"when", "text"}:
            errors.add(at, '提示应为 {"when": 条件, "text": 文字}')
            continue
        try:
            notes.append(
                Note(
                    when=compile_condition(raw["when"], schema, f"{at}.when"),
                    text=compile_template(raw["text"], schema, set(), f"{at}.text"),
                )
            )
        except RuleError as exc:
            errors.extend(exc)
    deadlines = []
    for d, raw in enumerate(item.get("deadlines") or []):
        deadline = build_deadline(raw, schema, errors, f"{where}.deadlines[{d}]")
        if deadline is not None:
            deadlines.append(deadline)
    valid_from = parse_date(item.get("valid_from"), f"{where}.valid_from", errors)
    valid_until = parse_date(item.get("valid_until"), f"{where}.valid_until", errors)
    document = item.get("document") or ""
    if not isinstance(document, str):
        errors.add(f"{where}.document", "所属文件应为文号")
    if len(errors.items) > before:
        return None
    assert isinstance(number, int)  # else an error was added above
    return MeasureRule(
        number=number,
        title=str(item.get("title") or f"第{number}条"),
        condition=condition,
        estimate=estimate,
        notes=tuple(notes),
        deadlines=tuple(sorted(deadlines, key=lambda d: d.date)),
        citation=str(item.get("citation") or ""),
        valid_from=valid_from,
        valid_until=valid_until,
        responsible_units=tuple(item.get("responsible_units") or ()),
        document=document,
    )


def compile_estimate_data(
    raw: Any,
    schema: Schema,
    condition: Condition | None,
    where: str,
    errors: ErrorCollector,
) -> EstimateSpec | None:
    when = None
    if isinstance(raw, Mapping) and raw.get("when") is not None:
        try:
            when = compile_condition(raw["when"], schema, f"{where}.when")
        except RuleError as exc:
            errors.extend(exc)
            return None
    qualifying = condition.equipment_leaf if condition is not None else None
    try:
        return compile_estimate(raw, schema, when, qualifying, where)
    except RuleError as exc:
        errors.extend(exc)
        return None


def build_deadline(raw: Any, schema: Schema, errors: ErrorCollector, where: str) -> Deadline | None:
    if not isinstance(raw, Mapping):
        errors.add(where, '截止日期应为 {"date": ..., "label": ..., "condition": ...}')
        return None
    day = parse_date(raw.get("date"), f"{where}.date", errors, required=True)
    condition = None
    if raw.get("condition") is not None:
        try:
            condition = compile_condition(raw["condition"], schema, f"{where}.condition")
        except RuleError as exc:
            errors.extend(exc)
            return None
    if day is None:
        return None
    return Deadline(date=day, label=str(raw.get("label") or ""), condition=condition)
