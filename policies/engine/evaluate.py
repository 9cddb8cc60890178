"""Screening: one profile against every measure of a RuleSet."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .conditions import MET, NOT_MET, UNKNOWN, Context
from .errors import EstimateError
from .explain import reason
from .formulas import Env, Estimate
from .profile import PROFILE_FIELDS, Profile
from .rules import MeasureRule, RuleSet

ELIGIBLE, INELIGIBLE, NEEDS_INFO, INFORMATIONAL = "eligible", "ineligible", "needs_info", "informational"
# The statuses as every page, e-mail and admin screen names them (the one place they are worded).
STATUS_LABELS = {
    ELIGIBLE: "可享受",
    NEEDS_INFO: "需补充信息",
    INELIGIBLE: "暂不符合",
    INFORMATIONAL: "相关信息",
}
_STATUS = {True: ELIGIBLE, False: INELIGIBLE, None: NEEDS_INFO}
_OUTCOME = {True: MET, False: NOT_MET, None: UNKNOWN}
_FIELD_ORDER = {name: i for i, name in enumerate(PROFILE_FIELDS)}
ESTIMATE_FAILED_NOTE = (
    "本条金额估算暂时无法计算,已记录并通知工作人员核查本条规则;资格结论请以工作人员答复为准"
)
logger = logging.getLogger("policies.engine")

# The answer's "size" block: contract name -> size standard key.
SIZE_SUMMARY = {"sme_2022_equipment": "sme_2022_equipment", "size_class_300": "size_300"}


# Reasons and deadlines are small immutable records made by the dozen per screening: named
# tuples cost a third of a frozen dataclass to build, and screening is on the hot path.
class Reason(NamedTuple):
    outcome: str  # met | not_met | unknown
    text: str
    fields: tuple[str, ...]
    decisive: bool = True  # False for alternatives of an "any" that another alternative settled


class DeadlineResult(NamedTuple):
    date: datetime.date
    label: str
    applies: bool | None  # None: depends on fields still unknown


class MeasureResult(NamedTuple):
    """One measure's answer for one profile (immutable; a named tuple because a screening
    builds one per checkable measure and this is the engine's hottest allocation)."""

    measure: int
    title: str
    status: str
    in_force: bool
    reasons: tuple[Reason, ...]
    notes: tuple[str, ...]
    missing: tuple[str, ...]
    estimate: Estimate | None
    deadlines: tuple[DeadlineResult, ...]
    citation: str
    responsible_units: tuple[str, ...]
    failed_by: Reason | None = None  # the one condition that alone keeps the measure out of reach
    open_fields: tuple[str, ...] = ()  # unknown fields that could still change this result
    document: str = ""  # the measure's document (文号); empty for rule data that names none

    def as_dict(self) -> dict[str, Any]:
        """The result in the API contract's shape (plus the optional citation and hint)."""
        out: dict[str, Any] = {"measure": self.measure}
        if self.document:
            # With several documents a number alone is ambiguous; the API always names it.
            out["document"] = self.document
        out.update(
            {
                "title": self.title,
                "status": self.status,
                "in_force": self.in_force,
                "reasons": [r.text for r in self.reasons if r.decisive] + list(self.notes),
                "missing": list(self.missing),
                "estimate": (
                    None
                    if self.estimate is None
                    else {
                        "amount_yuan": self.estimate.amount_yuan,
                        "kind": self.estimate.kind,
                        "basis": self.estimate.basis,
                    }
                ),
                "deadlines": [{"date": d.date.isoformat(), "label": d.label} for d in self.deadlines],
                "responsible_units": list(self.responsible_units),
                "citation": self.citation,
                "failed_by": self.failed_by.text if self.failed_by else None,
            }
        )
        return out


@dataclass(frozen=True)
class Screening:
    as_of: datetime.date
    size: dict[str, Any]
    results: tuple[MeasureResult, ...]
    # The rule set's memo for the day (informational results, the same for every profile).
    memo: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def open_fields(self) -> tuple[str, ...]:
        """Unknown profile fields whose answer could still change some measure's result."""
        found = {name for r in self.results for name in r.open_fields}
        return tuple(sorted(found, key=_FIELD_ORDER.__getitem__))

    def result(self, measure: int, document: str | None = None) -> MeasureResult:
        """The result of measure number ``measure`` (of ``document``; without one, the first)."""
        for r in self.results:
            if r.measure == measure and (document is None or r.document == document):
                return r
        raise KeyError(measure)

    def as_dict(self, shared: bool = False) -> dict[str, Any]:
        """The answer in the contract's shape.

        With ``shared``, the result dicts of informational measures (the same for every profile
        on a day) are built once per day and shared between answers: for a caller that only
        serialises the answer (the API). Others may change the dicts they get, so they get new
        ones. The answer is the same either way.
        """
        memo = self.memo if shared else None
        static = memo.get("static") if memo is not None else None
        if memo is None or static is None:
            results = [r.as_dict() for r in self.results]
        else:
            built = memo.setdefault("static_dicts", {})
            results = []
            for index, (result, known) in enumerate(zip(self.results, static)):
                if result is known:
                    out = built.get(index)
                    if out is None:
                        out = built[index] = result.as_dict()
                    results.append(out)
                else:
                    results.append(result.as_dict())
        return {"as_of": self.as_of.isoformat(), "size": dict(self.size), "results": results}


def make_context(profile: Profile, ruleset: RuleSet) -> Context:
    day = ruleset.on(profile.as_of)
    return Context(vars(profile), profile.as_of, day.params, day.params_float, day.standards)


def screen(profile: Profile, ruleset: RuleSet, *, explain: bool = True) -> Screening:
    """Evaluate every measure of ``ruleset`` for ``profile``.

    ``explain=False`` skips the sentences (reasons, notes, estimate bases, hints) for bulk
    re-screening, where only statuses, missing fields, amounts and deadlines are compared.
    """
    day = ruleset.on(profile.as_of)
    ctx = make_context(profile, ruleset)
    size = {}
    for name, key in SIZE_SUMMARY.items():
        outcome = ctx.size(key)
        size[name] = outcome.value if outcome is not None else None
    static = day.memo.get("static")
    if static is None:
        # Informational measures answer the same for everyone on a given day: build them once.
        static = day.memo["static"] = tuple(
            evaluate_measure(rule, ctx, True, in_force) if rule.static else None
            for rule, in_force in zip(ruleset.measures, day.in_force)
        )
    results = tuple(
        known or evaluate_measure(rule, ctx, explain, in_force)
        for rule, in_force, known in zip(ruleset.measures, day.in_force, static)
    )
    return Screening(as_of=profile.as_of, size=size, results=results, memo=day.memo)


def open_fields(profile: Profile, ruleset: RuleSet) -> tuple[str, ...]:
    """The questions worth asking next: unknown fields that could change any measure's result."""
    return screen(profile, ruleset).open_fields()


def evaluate_measure(
    rule: MeasureRule, ctx: Context, explain: bool = True, in_force: bool | None = None
) -> MeasureResult:
    if in_force is None:
        in_force = rule.in_force(ctx.as_of)
    if rule.condition is None:
        deadlines, deadline_fields = _deadlines(rule, ctx)
        return MeasureResult(
            measure=rule.number,
            title=rule.title,
            status=INFORMATIONAL,
            in_force=in_force,
            reasons=(),
            notes=(),
            missing=(),
            estimate=None,
            deadlines=deadlines,
            citation=rule.citation,
            responsible_units=rule.responsible_units,
            open_fields=deadline_fields,
            document=rule.document,
        )
    ev = rule.condition.evaluate(ctx, explain=explain)
    reasons = (
        tuple(
            Reason(_OUTCOME[outcome], reason(leaf, ctx, outcome), leaf.fields, decisive)
            for leaf, outcome, decisive in zip(rule.condition.leaves, ev.outcomes, ev.decisive)
        )
        if explain
        else ()
    )
    status = _STATUS[ev.value]
    estimate = None
    notes: tuple[str, ...] = ()
    open_: list[str] = list(ev.missing)
    deadlines, deadline_fields = _deadlines(rule, ctx)
    broken = False
    if status != INELIGIBLE:
        if rule.estimate is not None:
            try:
                estimate, estimate_fields = rule.estimate.compute(ctx, explain=explain)
            except EstimateError as exc:
                # A formula that fails at run time answers for its own measure only: staff are
                # told (logged, and the note), the other measures and the page are unaffected.
                logger.error("Estimate of measure %s failed: %s", rule.number, exc)
                estimate, estimate_fields, broken = None, (), True
            open_.extend(estimate_fields)
        if explain:
            notes = _notes(rule, ctx)
    if explain and ev.by_cases:
        unknown = [n for n in rule.condition.finite_fields if ctx.values.get(n) is None]
        labels = "、".join(PROFILE_FIELDS[n].label for n in unknown)
        notes = (f"{labels}未填写,但无论如何填写,本条结论都相同", *notes)
        open_.extend(deadline_fields)
    missing = ev.missing
    if broken:
        # needs_info, naming the fields the measure reads so the answer still says what it
        # rests on; the note tells staff why.
        status = NEEDS_INFO
        missing = missing or tuple(
            sorted({f for leaf in rule.condition.leaves for f in leaf.fields}, key=_FIELD_ORDER.__getitem__)
        )
        notes = (*notes, ESTIMATE_FAILED_NOTE)
    failed_by = reasons[ev.single_fixes[0]] if len(ev.single_fixes) == 1 else None
    return MeasureResult(
        measure=rule.number,
        title=rule.title,
        status=status,
        in_force=in_force,
        reasons=reasons,
        notes=notes,
        missing=missing,
        estimate=estimate,
        deadlines=deadlines,
        citation=rule.citation,
        responsible_units=rule.responsible_units,
        failed_by=failed_by,
        open_fields=tuple(dict.fromkeys(open_)),
        document=rule.document,
    )


def _deadlines(rule: MeasureRule, ctx: Context) -> tuple[tuple[DeadlineResult, ...], tuple[str, ...]]:
    out = []
    fields: list[str] = []
    for d in rule.deadlines:
        if d.condition is None:
            out.append(DeadlineResult(d.date, d.label, True))
            continue
        applies, unknown = d.condition.value(ctx)
        if applies is not False:
            out.append(DeadlineResult(d.date, d.label, applies))
        fields.extend(unknown)
    return tuple(out), tuple(fields)


def _notes(rule: MeasureRule, ctx: Context) -> tuple[str, ...]:
    out = []
    for note in rule.notes:
        if note.when.value(ctx)[0] is True:
            try:
                text = note.text.text(Env(ctx, {}))
            except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
                # A broken note template loses its sentence, never the answer.
                logger.error("Note of measure %s failed: %s", rule.number, exc)
                continue
            if text is not None:
                out.append(text)
    return tuple(out)
