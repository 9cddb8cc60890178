"""The answer card: what an agent reads out to a caller about one measure."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.safestring import SafeString

from .search import ParsedQuery, best_sentence, highlight
from .search.collapse import Member, also_in_label, others_of

if TYPE_CHECKING:
    from policies.models import Measure, ResponsibleUnit

logger = logging.getLogger(__name__)


@dataclass
class KeyFigure:
    label: str
    value: str
    period: str = ""
    quote: str = ""


@dataclass
class AnswerCard:
    measure: Measure
    units: list[ResponsibleUnit]
    deadlines: list[Any]
    source_sentence: SafeString
    key_figures: list[KeyFigure] = field(default_factory=list)
    in_force: bool = True
    # Other documents' measures with the same text (search shows the group once), best first.
    also_in: list[Member] = field(default_factory=list)

    @property
    def also_in_label(self) -> str:
        return also_in_label(self.also_in)


def current_ruleset() -> Any | None:
    """The published eligibility rules (the self-check's), or None if they cannot be built."""
    from policies.engine import EngineError
    from policies.screening import published_rules

    try:
        return published_rules()
    except EngineError:
        # A broken rule row must not take the hotline down; the card simply shows no figures.
        logger.exception("Rule set could not be built; answer cards show no key figures")
        return None


def _format_value(value: Decimal | datetime.date, unit: str) -> str:
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    number = Decimal(value)
    if unit == "比例":  # a share stored as a fraction reads as a percentage
        return f"{_plain(number * 100)}%"
    if unit == "日期":
        return str(value)
    return f"{_plain(number)}{unit}"


def _plain(number: Decimal) -> str:
    """1.50 -> 1.5, 100 -> 100 (never 1E+2)."""
    text = f"{number.normalize():f}"
    return text


def _period(valid_from: datetime.date | None, valid_until: datetime.date | None) -> str:
    if not valid_from and not valid_until:
        return ""
    start = f"{valid_from:%Y-%m-%d}" if valid_from else "…"
    end = f"{valid_until:%Y-%m-%d}" if valid_until else "长期"
    return f"{start} 至 {end}"


def key_figures(number: int, ruleset: Any | None) -> list[KeyFigure]:
    """Rates, caps, thresholds and dates the rule data holds for this measure."""
    if ruleset is None:
        return []
    figures = []
    for parameter in ruleset.parameters:
        if parameter.measure != number:
            continue
        figures.append(
            KeyFigure(
                label=parameter.label or parameter.key,
                value=_format_value(parameter.value, parameter.unit),
                period=_period(parameter.valid_from, parameter.valid_until),
                quote=parameter.quote,
            )
        )
    return figures


def answer_card(
    measure: Measure, parsed: ParsedQuery | None = None, ruleset: Any | None = None
) -> AnswerCard:
    terms = parsed.terms if parsed else {}
    sentence, score = best_sentence(measure.text, terms)
    if not score:
        sentence = measure.text
    return AnswerCard(
        measure=measure,
        units=[mu.unit for mu in measure.measure_units.all()],
        deadlines=list(measure.deadlines.all()),
        source_sentence=highlight(sentence, parsed.highlight if parsed else []),
        # Parameters cite their measure by the seed plan's number (Parameter.measure_number), so
        # their figures belong on the seed's cards only, not on a later document's 第N条.
        key_figures=key_figures(measure.number, ruleset) if measure.document.legacy_urls else [],
        in_force=measure.in_force(timezone.localdate()),
        also_in=others_of(measure) if not measure.is_draft else [],
    )
