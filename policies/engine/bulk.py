"""Bulk re-screening for impact previews: chosen measures only, and what their status reads.

An impact preview compares one or a few measures over every saved profile. Screening all 70
measures per profile wastes most of the work, and most profiles agree on the handful of
fields one measure reads, so the preview asks the engine two things: the status of chosen
measures only (``statuses``), and which profile fields and which dated rule data a measure's
status can depend on (``status_fields``, ``day_signature``), so that profiles equal on those
are screened once.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from typing import Any

from .conditions import Condition, SizeIn
from .evaluate import evaluate_measure, make_context
from .profile import PROFILE_FIELDS, Profile
from .rules import MeasureRule, RuleSet

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def statuses(
    profile: Profile, ruleset: RuleSet, numbers: Iterable[int], document: str | None = None
) -> dict[int, str]:
    """The status of each measure among ``numbers`` (of ``document``, a 文号; without one, the
    first so numbered, as ``RuleSet.measure``) that ``ruleset`` has (absent ones are left out),
    exactly as ``screen`` would give it, without evaluating the other measures."""
    ctx = make_context(profile, ruleset)
    index = _by_number(ruleset)
    rules = {number: index.get((number, document)) for number in numbers}
    return {
        number: evaluate_measure(rule, ctx, False).status
        for number, rule in rules.items()
        if rule is not None
    }


_INDEXES: dict[int, tuple[RuleSet, dict[tuple[int, str | None], MeasureRule]]] = {}


def _by_number(ruleset: RuleSet) -> dict[tuple[int, str | None], MeasureRule]:
    """The rule set's measures by (number, 文号) and by (number, None) for the first so
    numbered, as ``RuleSet.measure`` finds them; built once per rule set (a bulk comparison asks
    a hundred thousand times). Keyed by id, holding the rule set so the id is not reused."""
    entry = _INDEXES.get(id(ruleset))
    if entry is None or entry[0] is not ruleset:
        if len(_INDEXES) > 10:  # a comparison holds two or three rule sets at a time
            _INDEXES.clear()
        index: dict[tuple[int, str | None], MeasureRule] = {}
        for m in ruleset.measures:
            index.setdefault((m.number, m.document), m)
            index.setdefault((m.number, None), m)
        entry = _INDEXES[id(ruleset)] = (ruleset, index)
    return entry[1]


def status_fields(rule: MeasureRule, ruleset: RuleSet) -> frozenset[str]:
    """Every profile field the measure's status can read (a superset: extra fields only cost a
    cache miss, a missing one would give a wrong answer).

    The status depends on the condition, and on the estimate only in that a formula failing at
    run time turns the result into needs_info, so the estimate's fields count too. Size leaves
    read whichever version of their standard is in force, so every version's fields count.
    ``as_of`` is included when a condition compares it; the dated parameters and size tables
    are covered by ``day_signature``.
    """
    found: set[str] = set()
    conditions: list[Condition] = [rule.condition] if rule.condition is not None else []
    if rule.estimate is not None:
        spec = rule.estimate
        if spec.when is not None:
            conditions.append(spec.when)
        if spec.qualifying is not None:
            found.update(spec.qualifying.fields)
        # Formulas are compiled to closures that do not list their names; any identifier in
        # the source that names a profile field is taken to be read (and industry, which the
        # membership functions read).
        text = json.dumps(spec.source, ensure_ascii=False)
        found.update(name for name in _NAME.findall(text) if name in PROFILE_FIELDS)
        found.add("industry")
    for condition in conditions:
        for leaf in condition.leaves:
            found.update(leaf.fields)
            if isinstance(leaf, SizeIn):
                found.add("industry")
                for standard in ruleset.size_standards:
                    if standard.key == leaf.key:
                        found.update(limit.field for row in standard.rows for limit in row.limits)
    return frozenset(found)


def day_signature(
    ruleset: RuleSet,
    day: datetime.date,
    params: Iterable[str] | None = None,
    standards: Iterable[str] | None = None,
) -> tuple[Any, ...]:
    """What a status can read from the rule set on ``day`` besides the profile: the parameter
    values and the size standards in force (only ``params`` and ``standards`` when given, the
    keys some measures read). Two days with equal signatures give every profile the same
    statuses (unless a condition compares ``as_of`` itself, see ``status_fields``)."""
    on = ruleset.on(day)
    if params is not None and standards is not None:
        return (
            tuple((key, on.params.get(key)) for key in params),
            tuple((key, id(on.standards.get(key))) for key in standards),
        )
    # In the rule set's own order, which is the same for every day: no sorting needed.
    return tuple(on.params.items()), tuple((key, id(s)) for key, s in on.standards.items())
