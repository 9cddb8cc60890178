"""What the portal answers while an official edits a rule: the rule in the engine's own words,
the source quote, every golden case's status before and after, and the impact on saved profiles
(``policies.impact``). Errors from the engine are placed on the builder's rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from policies import impact, screening
from policies.engine import (
    STATUS_LABELS,
    Context,
    ProfileError,
    RuleError,
    RuleSet,
    build_ruleset,
    percent,
    statuses,
    validate_profile,
    wan,
)
from policies.models import GoldenCase, Measure
from policies.rules_loader import (
    build_leniently,
    load_ruleset,
    parameters_data,
    ruleset_data,
    size_standards_data,
)

from . import estimate as shapes
from .state import BuilderState, Result, _compact

# The live preview screens every saved profile up to this many distinct ones and answers with
# an estimate from a sample of this size above it (issue 13: ≤ 300 ms at 10,000), labelled 估算.
LIVE_SAMPLE = 10_000


@dataclass
class CaseRow:
    name: str
    description: str
    expected: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def wrong(self) -> bool:
        return bool(self.expected) and self.after != self.expected

    def label(self, status: str) -> str:
        return STATUS_LABELS.get(status, "(无此条)")

    @property
    def labels(self) -> tuple[str, str, str]:
        return (
            self.label(self.expected) if self.expected else "—",
            self.label(self.before),
            self.label(self.after),
        )


def engine_check(result: Result, number: int) -> None:
    """Compile the rule with the engine against the current parameters and size tables; place
    every problem on its row (the engine speaks in JSON paths, the official in rows)."""
    if result.rule is None and not result.deadlines:
        return
    rule = result.rule or {"condition": None, "estimate": None, "notes": [], "citation": ""}
    probe = {
        "number": number,
        "title": "",
        **rule,
        "deadlines": [{k: d[k] for k in ("date", "label", "condition")} for d in result.deadlines],
    }
    data = {"parameters": parameters_data(), "size_standards": size_standards_data(), "measures": [probe]}
    try:
        build_ruleset(data)
    except RuleError as exc:
        prefix = "measures[0]."
        for path, message in exc.errors:
            if path.startswith(prefix):
                result.add_engine_error(path.removeprefix(prefix), message)


def after_ruleset(draft: Measure, result: Result) -> RuleSet:
    """The published rules with this draft, as the builder now has it, in its original's place."""
    data = ruleset_data(draft)
    measures = []
    for item in data["measures"]:
        if item["number"] == draft.number and item["document"] == draft.document.number:
            rule = result.rule or {"condition": None, "estimate": None, "notes": [], "citation": ""}
            deadlines = [{k: d[k] for k in ("date", "label", "condition")} for d in result.deadlines]
            item = {**item, **rule, "deadlines": deadlines}
        measures.append(item)
    return build_leniently({**data, "measures": measures})


def _status(ruleset: RuleSet, number: int, document: str, profile: dict[str, Any]) -> str:
    try:
        valid = validate_profile(profile)
    except ProfileError:
        return screening.ABSENT
    return statuses(valid, ruleset, [number], document).get(number, screening.ABSENT)


def describe(ruleset: RuleSet, number: int, document: str, day: datetime.date) -> dict[str, Any]:
    """The rule in the engine's sentences, with the parameter values in force on ``day``."""
    try:
        rule = ruleset.measure(number, document)
    except KeyError:
        return {"condition": "", "deadlines": [], "notes": []}
    on = ruleset.on(day)
    ctx = Context({}, day, on.params, on.params_float, on.standards)
    return {
        "condition": rule.condition.describe(ctx) if rule.condition is not None else "",
        "deadlines": [
            (d.date, d.label, d.condition.describe(ctx) if d.condition is not None else "适用于所有企业")
            for d in rule.deadlines
        ],
        "notes": [(n.when.describe(ctx)) for n in rule.notes],
        "params": on.params,
    }


def estimate_sentence(state: BuilderState, params: dict[str, Any], labels: dict[str, str]) -> str:
    """The estimate in words: ``退还金额 = 存量留抵税额`` (parameters with today's values)."""
    form = state.estimate
    if form.shape == "none":
        return "不估算金额"
    kind = shapes.KINDS.get(form.kind, "金额")
    money = shapes.money_fields()

    def operand(text: str, pct: bool = False) -> str:
        if text.startswith("p."):
            key = text[2:]
            value = params.get(key)
            if value is None or not isinstance(value, Decimal):
                shown = "" if value is None else str(value)
            else:
                shown = percent(value) if pct else wan(value)
            return f"{labels.get(key, key)}({shown})" if shown else labels.get(key, key)
        return text

    base = money.get(form.base, form.base)
    if form.shape == "amount":
        return f"{kind}金额 = {base}"
    if form.shape == "rate":
        return f"{kind}金额 = {base} × {operand(form.rate, True)}"
    if form.shape == "capped":
        return f"{kind}金额 = {base} × {operand(form.rate, True)},最高{operand(form.cap)}"
    if form.shape == "tiered":
        op = shapes.TIER_OPS.get(form.tier_op, form.tier_op)
        return (
            f"{kind}金额 = {base} × 比例:{base}{op}{operand(form.threshold)}时为{operand(form.rate, True)},"
            f"否则为{operand(form.low, True)}"
        )
    if form.shape == "fixed":
        return f"{kind}金额为{operand(form.rate)}"
    return f"{kind}金额按公式计算:{form.formula}"


def build(
    draft: Measure, state: BuilderState, result: Result, param_labels: dict[str, str]
) -> dict[str, Any]:
    """The preview panel's content (nothing but errors while the rule does not compile)."""
    day = timezone.localdate()
    citation = result.rule["citation"] if result.rule else ""
    out: dict[str, Any] = {
        "citation": citation,
        "citation_verbatim": bool(citation) and _compact(citation) in _compact(draft.text),
    }
    if not result.ok:
        return {**out, "ready": False}
    before = load_ruleset()
    after = after_ruleset(draft, result)
    document = draft.document.number
    words = describe(after, draft.number, document, day)
    cases = []
    for case in GoldenCase.objects.all():
        expected = case.expected_statuses().get(draft.number, "")
        row = CaseRow(
            case.name,
            case.description,
            expected,
            _status(before, draft.number, document, case.profile),
            _status(after, draft.number, document, case.profile),
        )
        if expected or row.changed:
            cases.append(row)
    cases.sort(key=lambda c: (not c.wrong, not c.changed))  # what needs the official's eye first
    result_impact = impact.preview(before, after, [draft.number], sample=LIVE_SAMPLE)
    return {
        **out,
        "ready": True,
        "sentence": words["condition"] or "没有资格条件:本条显示为“相关信息”",
        "notes": words["notes"],
        "deadlines": words["deadlines"],
        "estimate": estimate_sentence(state, words.get("params", {}), param_labels),
        "cases": cases,
        "wrong_cases": [c for c in cases if c.wrong],
        "changed_cases": [c for c in cases if c.changed],
        "impact": result_impact,
    }
