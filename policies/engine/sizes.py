"""Size standards: dated tables that classify an enterprise by industry row and indicators.

Two kinds of table:

* ``tiered`` (工信部联企业〔2011〕300号 and the refund variant): each industry row has one set of
  lower limits per tier, largest tier first; an enterprise belongs to the largest tier whose
  limits it meets *all* of, else to the fallback (``micro``).
* ``test`` (measure 1's SME table, 小型微利企业): each row has limits combined with ``any`` or
  ``all``; the result is true or false.

Rows are chosen by GB/T 4754 code prefix, the most specific row winning; a row without codes is
the catch-all. With unknown indicators or a partial industry code the engine computes the exact
set of results still possible: each indicator's value only matters through its position among
the row's thresholds, so a handful of representative values per indicator covers every case.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import industry as industries
from .dated import Dated

SIZE_FIELDS: dict[str, tuple[str, str, bool, float | None]] = {
    # field -> (label, unit, integer?, lowest possible value)
    "employees": ("从业人数", "人", True, 0),
    "revenue_wan": ("营业收入", "万元", False, 0),
    "total_assets_wan": ("资产总额", "万元", False, 0),
    "taxable_income_wan": ("应纳税所得额", "万元", False, None),
}
TIER_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Limit:
    field: str
    op: str
    value: Decimal

    def holds(self, value: int | float) -> bool:
        # Compare as floats: the profile's numbers are floats parsed from the same decimal text.
        return OPS[self.op](value, float(self.value))

    def requirement(self) -> str:
        """The limit in words (``explain.limit_requirement``), kept here for the admin's tables."""
        from .explain import limit_requirement  # explain builds on this module, so it is imported late

        return limit_requirement(self)


@dataclass(frozen=True)
class SizeRow:
    name: str
    codes: tuple[str, ...]
    tier: str
    limits: tuple[Limit, ...]


@dataclass(frozen=True)
class SizeOutcome:
    possible: frozenset  # tier codes (tiered) or booleans (test)
    rows: tuple[SizeGroup, ...]
    unknown_fields: tuple[str, ...]

    @property
    def value(self) -> Any:
        return next(iter(self.possible)) if len(self.possible) == 1 else None


@dataclass(frozen=True)
class SizeStandard(Dated):
    key: str
    name: str
    kind: str  # "tiered" | "test"
    rows: tuple[SizeRow, ...]
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    tiers: tuple[str, ...] = ()
    fallback: str = ""
    combine: str = "all"
    source: str = ""
    _groups: tuple[SizeGroup, ...] = field(default=(), init=False, repr=False, compare=False)
    _rows_by_code: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups: dict[tuple[str, tuple[str, ...]], dict[str, tuple[Limit, ...]]] = {}
        for row in self.rows:
            groups.setdefault((row.name, row.codes), {})[row.tier] = row.limits
        built = tuple(SizeGroup(self, name, codes, by_tier) for (name, codes), by_tier in groups.items())
        object.__setattr__(self, "_groups", built)

    @property
    def outcomes(self) -> frozenset:
        return frozenset((*self.tiers, self.fallback)) if self.kind == "tiered" else frozenset((True, False))

    def classify(self, values: Mapping[str, Any]) -> SizeOutcome:
        """Return every result still possible for a profile's values (a ``vars(profile)``)."""
        code = values.get("industry")
        rows = self._rows_by_code.get(code)
        if rows is None:
            indexes = industries.candidate_rows(code, tuple(g.codes for g in self._groups))
            rows = self._rows_by_code[code] = tuple(self._groups[i] for i in indexes)
        possible: frozenset = frozenset()
        unknown: list[str] = []
        for group in rows:
            regions: list[int | None] = []
            for name, ranges in group.fields:
                v = values.get(name)
                if v is None:
                    regions.append(None)
                    if name not in unknown:
                        unknown.append(name)
                else:
                    regions.append(ranges.region(v))
            possible = possible | group.possible(tuple(regions))
        if len(rows) > 1 and len(possible) > 1:
            unknown.insert(0, "industry")
        return SizeOutcome(possible, rows, tuple(unknown) if len(possible) > 1 else ())

    def label(self, outcome: Any) -> str:
        if self.kind == "tiered":
            return TIER_LABELS.get(outcome, str(outcome))
        return "符合" if outcome else "不符合"


class _Ranges:
    """The positions of one indicator relative to a row's thresholds, with a value for each."""

    def __init__(self, name: str, thresholds: list[float]) -> None:
        _, _, integer, lowest = SIZE_FIELDS[name]
        self.thresholds = sorted(set(thresholds))
        self.representatives: list[tuple[int, float]] = []
        ts = self.thresholds
        candidates: list[tuple[int, float | None]] = []
        for i, t in enumerate(ts):
            below = ts[i - 1] if i else None
            candidates.append((2 * i, _between(below, t, integer, lowest)))
            candidates.append((2 * i + 1, t if (not integer or t == int(t)) else None))
        candidates.append((2 * len(ts), math.floor(ts[-1]) + 1))
        for region, value in candidates:
            if value is not None and (lowest is None or value >= lowest):
                self.representatives.append((region, value))

    def region(self, value: int | float) -> int:
        i = bisect.bisect_left(self.thresholds, value)
        if i < len(self.thresholds) and self.thresholds[i] == value:
            return 2 * i + 1
        return 2 * i


def _between(low: float | None, high: float, integer: bool, lowest: float | None) -> float | None:
    """A value strictly between ``low`` and ``high`` (and not below ``lowest``), or None."""
    value: float
    if integer:
        value = math.ceil(high) - 1 if low is None else math.floor(low) + 1
        if lowest is not None and value < lowest:
            value = lowest
        ok = value < high and (low is None or value > low)
        return value if ok else None
    if low is None:
        if lowest is None:
            return high - 1
        return lowest if lowest < high else None
    value = (low + high) / 2
    if lowest is not None and value < lowest:
        return lowest if low < lowest < high else None
    return value


class SizeGroup:
    """One industry row of a standard, with all its tiers; memoizes results by region."""

    def __init__(self, standard: SizeStandard, name: str, codes: tuple[str, ...], by_tier: dict) -> None:
        self.standard = standard
        self.name = name
        self.codes = codes
        self.by_tier: dict[str, tuple[Limit, ...]] = by_tier
        thresholds: dict[str, list[float]] = {}
        for limits in by_tier.values():
            for limit in limits:
                thresholds.setdefault(limit.field, []).append(float(limit.value))
        self.fields = tuple((name, _Ranges(name, ts)) for name, ts in sorted(thresholds.items()))
        self._memo: dict[tuple, frozenset] = {}

    def possible(self, regions: tuple) -> frozenset:
        found = self._memo.get(regions)
        if found is None:
            choices = [
                [rep for region, rep in ranges.representatives if regions[i] in (None, region)]
                for i, (_, ranges) in enumerate(self.fields)
            ]
            names = [name for name, _ in self.fields]
            found = frozenset(self.decide(dict(zip(names, combo))) for combo in itertools.product(*choices))
            self._memo[regions] = found
        return found

    def decide(self, values: Mapping[str, Any]) -> Any:
        std = self.standard
        if std.kind == "tiered":
            for tier in std.tiers:
                if all(limit.holds(values[limit.field]) for limit in self.by_tier.get(tier, ())):
                    return tier
            return std.fallback
        limits = self.by_tier.get("", ())
        test = all if std.combine == "all" else any
        return test(limit.holds(values[limit.field]) for limit in limits)
