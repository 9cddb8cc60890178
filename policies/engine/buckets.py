"""Threshold buckets: which profiles are bound to get the same statuses for chosen measures.

A measure's status reads a profile's figures only through comparisons with constants: a leaf
``revenue_wan < 800`` (or ``< {"param": ...}``, a dated parameter), a size standard's limits, an
equipment item's ``unit_value_wan >= 500``. A figure's outcome in every such comparison is fixed
by its position among the constants it is compared with: below the lowest, equal to one, between
two, ... So a figure can be replaced by a bucket number (``2i`` strictly between thresholds
``i-1`` and ``i``, ``2i+1`` equal to threshold ``i``; the same scheme as the size tables'
regions), and profiles whose read fields fall in the same buckets, on days with the same rule data
in force, get the same statuses. An impact preview then screens one profile per bucket tuple.

Industry codes are bucketed by what the industry leaves can tell of them: whether the code lies
under each leaf's prefixes (yes, no, or undecided for a partial code). A size leaf's value reads the
profile only through the classes a size table can give it (``SizeStandard.classify``: the set of
possible classes; the fields that would settle them go to missing fields, not to a status), so
the key holds those classes, for every
version of each table read, rather than the figures' positions among every row's limits. What is kept exact: choices and booleans (few values, and "settled
by cases" tries them), and any value of an unexpected type (a stored profile the contract would
reject; its own screening says so).

The estimate: a status reads an estimate only in that a formula failing at run time turns the
measure's answer into needs_info. A field read by an estimate formula and by no condition is
bucketed by being known or not; a formula's failure on figures between the contract's extremes
is not modelled here (the admin refuses a formula that fails on the boundary profiles,
``probe.estimate_failures``, so none is published that fails on those).

``status_buckets`` builds the mapping for some measures of one or more rule sets (the old and
the new rules of a preview) over the raw stored values of a list of fields, in that order.
"""

from __future__ import annotations

import bisect
import datetime
import json
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from . import industry as industries
from .bulk import day_signature
from .conditions import Compare, Condition, EquipmentAny, IndustryIn, ItemCompare, ItemGroup, SizeIn
from .profile import EQUIPMENT_FIELDS, PROFILE_FIELDS
from .rules import MeasureRule, RuleSet

# Entries a memo keeps per rule set before it stops growing (a bound on memory, not a rule's figure).
MEMO_LIMIT = 100_000

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARAM = re.compile(r"\bp\.([A-Za-z_][A-Za-z0-9_]*)")
UNKNOWN_BUCKET = -1


def _constant(value: Any) -> Any:
    """A threshold as the stored profile's raw JSON value compares with it: numbers as floats
    (the engine compares figures with parameters' float values), dates as ISO text (for
    canonical ``YYYY-MM-DD`` text the order is the dates' order)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


class _Thresholds:
    """Thresholds per profile field and per equipment item field, gathered from rules."""

    def __init__(self, rulesets: Sequence[RuleSet]) -> None:
        self.rulesets = rulesets
        self.fields: dict[str, set[Any]] = {}
        self.items: dict[str, set[Any]] = {}
        self.equipment_compared = False
        self.prefixes: set[tuple[str, ...]] = set()  # of the industry leaves
        self.size_keys: set[str] = set()
        self.params: set[str] = set()  # every parameter a status can read (see day_key)

    def param_values(self, key: str) -> list[Any]:
        """Every value the parameter takes in any version, in any of the rule sets."""
        return [p.value for ruleset in self.rulesets for p in ruleset.parameters if p.key == key]

    def targets(self, threshold: Any) -> list[Any]:
        if threshold.param is not None:
            self.params.add(threshold.param)
            return [_constant(v) for v in self.param_values(threshold.param)]
        return [] if threshold.literal is None else [_constant(threshold.literal)]

    def condition(self, condition: Condition) -> None:
        for leaf in condition.leaves:
            if isinstance(leaf, Compare):
                kind = leaf.spec.kind
                if kind in ("int", "number", "date") and leaf.op not in ("in", "not_in"):
                    self.fields.setdefault(leaf.spec.name, set()).update(self.targets(leaf.threshold))
            elif isinstance(leaf, IndustryIn):
                self.prefixes.add(leaf.prefixes)
            elif isinstance(leaf, SizeIn):
                # Read through the class alone: the key holds the class (see Buckets.key).
                self.size_keys.add(leaf.key)
            elif isinstance(leaf, EquipmentAny):
                self.equipment_compared = True
                self.item(leaf.item)

    def item(self, node: ItemCompare | ItemGroup) -> None:
        if isinstance(node, ItemGroup):
            for child in node.children:
                self.item(child)
        else:
            self.items.setdefault(node.spec.name, set()).update(self.targets(node.threshold))

    def rule(self, rule: MeasureRule) -> None:
        if rule.condition is not None:
            self.condition(rule.condition)
        if rule.estimate is not None:
            # ``when`` decides whether the formula runs (and so whether it can fail); the
            # qualifying items are only passed to the formula.
            if rule.estimate.when is not None:
                self.condition(rule.estimate.when)
            # Whether a formula fails can depend on the parameters it reads (``p.<key>``).
            text = json.dumps(rule.estimate.source, ensure_ascii=False)
            self.params.update(_PARAM.findall(text))
            if rule.estimate.qualifying is not None:
                items = _Thresholds(self.rulesets)
                items.item(rule.estimate.qualifying.item)
                self.params |= items.params


class Buckets:
    """Maps the raw stored values of ``fields`` (in that order) to a hashable key; two value
    lists with equal keys give every measure it was built for the same status on days with the
    same rule data in force (``day_signature``)."""

    def __init__(self, fields: Sequence[str], found: _Thresholds) -> None:
        self.fields = tuple(fields)
        # Per field: its kind of key ("number", "date", "equipment" or "exact") and thresholds.
        self._plan: list[tuple[str, list[Any]]] = []
        for name in self.fields:
            spec = PROFILE_FIELDS.get(name)
            kind = spec.kind if spec is not None else ""
            if kind in ("int", "number"):
                self._plan.append(("number", sorted(found.fields.get(name, ()))))
            elif kind == "date":
                self._plan.append(("date", sorted(found.fields.get(name, ()))))
            elif kind == "equipment":
                self._plan.append(("equipment", []))
            elif kind == "industry":
                self._plan.append(("industry", []))
            else:
                self._plan.append(("exact", []))
        self._items = tuple(
            ("date" if spec.kind == "date" else "number", sorted(found.items.get(name, ())))
            for name, spec in EQUIPMENT_FIELDS.items()
        )
        self._item_names = tuple(EQUIPMENT_FIELDS)
        self._equipment_compared = found.equipment_compared
        self.param_keys = tuple(sorted(found.params))
        self.size_keys = tuple(sorted(found.size_keys))
        self._prefixes = sorted(found.prefixes)
        standards = {
            id(standard): standard
            for ruleset in found.rulesets
            for standard in ruleset.size_standards
            if standard.key in found.size_keys
        }
        self._standards = tuple(standards.values())  # every version of every table read
        size_fields = {"industry"} | {
            limit.field for standard in self._standards for row in standard.rows for limit in row.limits
        }
        self._size_fields = tuple((i, name) for i, name in enumerate(self.fields) if name in size_fields)
        # Each figure's position among every limit of every row of those tables: equal positions
        # give equal classes (a row's own limits are among them), so classes are memoized by them.
        limits: dict[str, set[float]] = {}
        for standard in self._standards:
            for row in standard.rows:
                for limit in row.limits:
                    limits.setdefault(limit.field, set()).add(float(limit.value))
        self._size_limits = tuple(sorted(limits.get(name, ())) for _, name in self._size_fields)
        self._sizes: dict[tuple[Any, ...], Any] = {}
        self._row_memo: dict[str, Any] = {}
        self._industries: dict[str, Any] = {}
        self._fns = [self._component(kind, ts) for kind, ts in self._plan]
        self._size_fns = [
            self._rows if name == "industry" else _memoized("number", ts)
            for (_, name), ts in zip(self._size_fields, self._size_limits)
        ]
        self.thresholds = {  # for callers and tests: the constants each field is compared with
            name: tuple(ts) for name, (_, ts) in zip(self.fields, self._plan) if ts
        }
        self.thresholds.update(
            (f"equipment.{name}", tuple(ts)) for name, (_, ts) in zip(self._item_names, self._items) if ts
        )

    def day_key(self, ruleset: RuleSet, day: datetime.date) -> tuple[Any, ...]:
        """What the statuses read of ``ruleset`` on ``day`` besides the profile: the values of
        the parameters the rules read and the size tables in force (``day_signature`` restricted
        to them, so that a parameter of another measure changing on some date splits no days)."""
        return day_signature(ruleset, day, self.param_keys, self.size_keys)

    def key(self, values: Sequence[Any]) -> tuple[Any, ...]:
        out = [fn(value) for fn, value in zip(self._fns, values)]
        if self._standards:
            out.append(self._size([values[i] for i, _ in self._size_fields]))
        return tuple(out)

    def _component(self, kind: str, thresholds: list[Any]) -> Callable[[Any], Any]:
        """The function giving one field's part of the key; figures and days are memoized by
        value (a hundred thousand profiles hold a few thousand distinct figures per field)."""
        if kind == "exact":
            return lambda v: (
                UNKNOWN_BUCKET if v is None else v if isinstance(v, (str, bool, int, float)) else _exact(v)
            )
        if kind == "equipment":
            return lambda v: UNKNOWN_BUCKET if v is None else self._equipment(v)
        if kind == "industry":
            return lambda v: UNKNOWN_BUCKET if v is None else self._industry(v)
        return _memoized(kind, thresholds)

    def _rows(self, code: Any) -> Any:
        """The rows of each table that may apply to an industry code (all a table reads of it)."""
        if not isinstance(code, str):
            return _exact(code)
        try:
            return self._row_memo[code]
        except KeyError:
            pass
        if industries.code_problem(code):
            found: Any = ("exact", code)
        else:
            found = tuple(
                industries.candidate_rows(code, tuple(g.codes for g in standard._groups))
                for standard in self._standards
            )
        if len(self._row_memo) < MEMO_LIMIT:
            self._row_memo[code] = found
        return found

    def _size(self, values: list[Any]) -> Any:
        """The classes each version of the size tables can give (a size leaf reads nothing else:
        its outcome is the set of possible classes and the fields that would settle it)."""
        positions = tuple([fn(v) for fn, v in zip(self._size_fns, values)])
        try:
            return self._sizes[positions]
        except KeyError:
            pass
        named = {name: value for (_, name), value in zip(self._size_fields, values) if value is not None}
        code = named.get("industry")
        if (code is not None and (not isinstance(code, str) or industries.code_problem(code))) or any(
            isinstance(v, bool) or not isinstance(v, (int, float))
            for n, v in named.items()
            if n != "industry"
        ):
            key: Any = _exact(named)  # not what the contract accepts: screened on its own
        else:
            # The possible classes only: which fields would settle them goes to the answer's
            # missing fields, never to a status.
            key = tuple(standard.classify(named).possible for standard in self._standards)
        if len(self._sizes) < 2 * MEMO_LIMIT:
            self._sizes[positions] = key
        return key

    def _industry(self, code: Any) -> Any:
        """A code by what the rules can tell of it: inside each industry leaf's prefixes or not
        (or undecided, for a partial code), and which rows of each size table may apply."""
        if not isinstance(code, str):
            return _exact(code)
        try:
            return self._industries[code]
        except KeyError:
            pass
        if industries.code_problem(code):
            key: Any = ("exact", code)
        else:
            key = tuple(industries.membership(code, p) for p in self._prefixes)
        if len(self._industries) < MEMO_LIMIT:
            self._industries[code] = key
        return key

    def _equipment(self, items: Any) -> Any:
        if not isinstance(items, list):
            return _exact(items)
        if not self._equipment_compared:
            return len(items) > 0  # read by an estimate only: a formula may tell none from some
        found = set()
        for item in items:
            if not isinstance(item, dict):
                return _exact(items)
            found.add(
                tuple(
                    _bucket(item.get(name), kind, ts)
                    for name, (kind, ts) in zip(self._item_names, self._items)
                )
            )
        # "At least one item satisfies": the set of kinds of item decides, not their order or count.
        return tuple(sorted(found, key=repr))


def _memoized(kind: str, thresholds: list[Any]) -> Callable[[Any], Any]:
    memo: dict[Any, Any] = {}

    def component(value: Any) -> Any:
        if value.__class__ not in (int, float, str):  # None, and a bool (True == 1 as a key)
            return _bucket(value, kind, thresholds)
        try:
            return memo[value]
        except KeyError:
            found = _bucket(value, kind, thresholds)
            if len(memo) < MEMO_LIMIT:
                memo[value] = found
            return found

    return component


def _bucket(value: Any, kind: str, thresholds: list[Any]) -> Any:
    if value is None:
        return UNKNOWN_BUCKET
    if kind == "date":
        if not isinstance(value, str) or not _ISO_DAY.match(value):
            return _exact(value)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        return _exact(value)
    i = bisect.bisect_left(thresholds, value)
    if i < len(thresholds) and thresholds[i] == value:
        return 2 * i + 1
    return 2 * i


def _exact(value: Any) -> tuple[str, str]:
    return ("exact", json.dumps(value, sort_keys=True, default=str))


def status_buckets(
    fields: Sequence[str], rules: Iterable[MeasureRule], rulesets: Sequence[RuleSet]
) -> Buckets:
    """The buckets for the statuses of ``rules`` (compiled within ``rulesets``, whose parameters
    and size standards they read) over the raw values of ``fields``, a superset of what the
    rules read (``status_fields``)."""
    found = _Thresholds(rulesets)
    for rule in rules:
        found.rule(rule)
    return Buckets(fields, found)


def contract_fingerprint() -> str:
    """A fingerprint of the profile contract's code: what ``validate_profile`` accepts can only
    change when it changes (the field specs and checks in ``profile``, the industry codes in
    ``industry``). Any edit of those modules, even a comment, gives a new fingerprint, so a mark
    "validated under this fingerprint" is never trusted after a change (it is only re-checked)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import hashlib
        from pathlib import Path

        from . import profile

        digest = hashlib.sha256()
        for module in (profile, industries):
            digest.update(Path(module.__file__ or "").read_bytes())
        _FINGERPRINT = digest.hexdigest()
    return _FINGERPRINT


_FINGERPRINT: str | None = None
