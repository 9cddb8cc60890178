"""What a measure draft changes, field by field, for the publish page; and where the draft's own
text or summary still quotes a date or figure that the draft changes.

An official checks a publication by reading it, so everything is in words: the measure's fields
by their labels, units and deadlines as lists, the rule in the engine's sentences (the same the
rule builder's preview uses), the parameters the rule cites with today's values. The warnings
read the draft's 原文 and 通俗解读 with ``policies.suggest`` (the reader the rule builder uses) and
name each quote whose date or figure the draft no longer has.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from .engine import EngineError
from .models import Measure, Parameter
from .rulebuilder import preview
from .rulebuilder import state as builder_state
from .rules_loader import load_ruleset
from .suggest import suggest

# Fields the workflow itself sets: a difference there is not the official's change.
_WORKFLOW_FIELDS = {"id", "is_draft", "draft_of", "published_at"}
# A rule cites a parameter as ``{"param": "key"}`` in conditions and ``p.key`` in formulas.
_PARAM = re.compile(r'\bp\.([A-Za-z_][A-Za-z0-9_]*)|"param": "([A-Za-z_][A-Za-z0-9_]*)"')


@dataclass(frozen=True)
class FieldChange:
    """One line of the diff: a label, the published value and the draft's, as text."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class QuoteWarning:
    where: str  # 原文 or 通俗解读
    quote: str
    message: str


@dataclass(frozen=True)
class DraftReview:
    changes: list[FieldChange]
    warnings: list[QuoteWarning]


def _shown(measure: Measure, name: str) -> str:
    field = measure._meta.get_field(name)
    value = getattr(measure, name)
    if value in (None, ""):
        return "长期" if name == "valid_until" else "—"
    if field.choices:
        return str(getattr(measure, f"get_{name}_display")())
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _units(measure: Measure) -> str:
    return (
        "、".join(
            mu.unit.name for mu in measure.measure_units.order_by("position", "id").select_related("unit")
        )
        or "—"
    )


def _deadlines(measure: Measure) -> str:
    return (
        "\n".join(f"{d.date.isoformat()} {d.label}" for d in measure.deadlines.order_by("date", "id"))
        or "没有截止日期"
    )


def _rule_words(measure: Measure, ruleset: Any) -> dict[str, str]:
    """The measure's rule in the engine's and the builder's sentences, part by part."""
    rule = measure.eligibility_rules.first()
    if rule is None:
        return {
            "资格条件": "没有资格规则(显示为“相关信息”)",
            "金额估算": "不估算金额",
            "补充说明": "—",
            "原文依据": "—",
        }
    day = timezone.localdate()
    words = preview.describe(ruleset, measure.number, measure.document.number, day)
    try:
        state = builder_state.from_rule(rule.as_data(), [], measure.text)
        estimate = preview.estimate_sentence(state, words.get("params", {}), _param_labels())
    except ValueError:
        # A formula the builder cannot show as a shape is still shown, in its own language.
        estimate = f"按公式计算:{json.dumps(rule.estimate, ensure_ascii=False)}"
    notes = [
        f"当{when}时显示:{n.get('text', '')}"
        for when, n in zip(words["notes"], rule.notes or [], strict=False)
    ]
    return {
        "资格条件": words["condition"] or "—",
        "金额估算": estimate,
        "补充说明": "\n".join(notes) or "—",
        "原文依据": rule.citation or "—",
        "截止日期的适用条件": "\n".join(f"{d.isoformat()} {label}:{w}" for d, label, w in words["deadlines"])
        or "—",
    }


def _param_labels() -> dict[str, str]:
    return {p.key: p.label for p in Parameter.objects.order_by("key", "valid_from")}


def _cited(measure: Measure) -> list[tuple[str, Parameter | None]]:
    """The parameters the measure's rule and deadlines cite, each with its row in force today."""
    rule = measure.eligibility_rules.first()
    blob = json.dumps(
        [rule.as_data() if rule else None, [d.condition for d in measure.deadlines.all()]], ensure_ascii=False
    )
    keys = sorted({a or b for a, b in _PARAM.findall(blob)})
    today = timezone.localdate()
    out = []
    for key in keys:
        rows = list(Parameter.objects.filter(key=key).order_by("valid_from"))
        in_force = [
            p
            for p in rows
            if (p.valid_from is None or p.valid_from <= today)
            and (p.valid_until is None or today <= p.valid_until)
        ]
        out.append((key, (in_force or rows or [None])[-1]))
    return out


def _cited_parameters(measure: Measure) -> str:
    lines = [
        f"{p.label}({key})= {p.value}{p.unit}" if p else f"{key}(参数不存在)" for key, p in _cited(measure)
    ]
    return "\n".join(lines) or "不引用参数"


def review(draft: Measure) -> DraftReview:
    """The diff of ``draft`` against the measure it will replace (all fields for a new measure)."""
    original = draft.draft_of
    changes: list[FieldChange] = []
    for field in Measure._meta.concrete_fields:
        if field.name in _WORKFLOW_FIELDS:
            continue
        after = _shown(draft, field.name)
        before = _shown(original, field.name) if original else "(新条款)"
        if before != after:
            changes.append(FieldChange(str(field.verbose_name), before, after))
    parts = [("责任单位", _units), ("截止日期", _deadlines), ("引用的参数", _cited_parameters)]
    for label, read in parts:
        after = read(draft)
        before = read(original) if original else "(新条款)"
        if before != after:
            changes.append(FieldChange(label, before, after))
    try:
        before_rules = _rule_words(original, load_ruleset()) if original else {}
        after_rules = _rule_words(draft, load_ruleset(draft=draft))
    except EngineError as exc:
        changes.append(FieldChange("资格规则", "—", f"规则无法读取:{exc}"))
    else:
        for label, after in after_rules.items():
            before = before_rules.get(label, "(新条款)")
            if before != after:
                changes.append(FieldChange(label, before, after))
    return DraftReview(changes, quote_warnings(draft) if original else [])


# --- quotes of changed dates and figures ---------------------------------------------------------


def _dates(measure: Measure) -> set[datetime.date]:
    found = {d for d in (measure.valid_from, measure.valid_until) if d}
    for _, param in _cited(measure):
        if param is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(param.value)):
            found.add(datetime.date.fromisoformat(str(param.value)))
    return found | set(measure.deadlines.values_list("date", flat=True))


def _numbers(measure: Measure) -> set[Decimal]:
    """The figures of the measure's rule (thresholds, rates, caps; literals and the values of the
    parameters it cites), in the rule's units."""
    rule = measure.eligibility_rules.first()
    if rule is None:
        return set()
    out: set[Decimal] = set()
    for _, param in _cited(measure):
        if param is not None and re.fullmatch(r"-?\d+(\.\d+)?", str(param.value)):
            out.add(Decimal(str(param.value)).normalize())

    def walk(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int | float | Decimal):
            out.add(Decimal(str(value)).normalize())
        elif isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
            out.add(Decimal(value).normalize())
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk([rule.condition, rule.estimate])
    return out


def _quoted_date_matches(quoted: str, day: datetime.date) -> bool:
    """``--06-30`` (a date written without its year) matches any year's 30 June."""
    if quoted.startswith("--"):
        return quoted == f"--{day:%m-%d}"
    return quoted == day.isoformat()


def quote_warnings(draft: Measure) -> list[QuoteWarning]:
    """Quotes in the draft's text and summary of a date or figure the published measure has and
    the draft no longer has: the text may still promise what the draft changed."""
    original = draft.draft_of
    if original is None:
        return []
    gone_dates = sorted(_dates(original) - _dates(draft))
    new_dates = sorted(_dates(draft) - _dates(original))
    gone_numbers = _numbers(original) - _numbers(draft)
    warnings: list[QuoteWarning] = []
    for where, text in (("通俗解读", draft.summary), ("原文", draft.text)):
        found = suggest(text or "")
        for figure in found.figures:
            if figure.kind == "date":
                for day in gone_dates:
                    if _quoted_date_matches(str(figure.value), day):
                        now = "、".join(d.isoformat() for d in new_dates) or "(已删除)"
                        warnings.append(
                            QuoteWarning(
                                where,
                                figure.quote,
                                f"{where}写着“{figure.quote}”,但草稿把日期{day.isoformat()}改为{now}。请核对{where}是否需要一并修改。",
                            )
                        )
            elif _figure_value(figure.value) in gone_numbers:
                warnings.append(
                    QuoteWarning(
                        where,
                        figure.quote,
                        f"{where}写着“{figure.quote}”,但草稿的资格规则已不再使用{figure.value}。请核对{where}是否需要一并修改。",
                    )
                )
        for condition in found.conditions:
            if _figure_value(condition.value) in gone_numbers:
                warnings.append(
                    QuoteWarning(
                        where,
                        condition.quote,
                        f"{where}写着“{condition.quote}”,但草稿的资格条件已不再使用{condition.value}。请核对{where}是否需要一并修改。",
                    )
                )
    return warnings


def _figure_value(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return Decimal(str(value)).normalize()
