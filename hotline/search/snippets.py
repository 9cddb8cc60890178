"""Snippets: the source sentence that best answers the query, matched words in <mark>."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .text import ParsedQuery, normalize_text

if TYPE_CHECKING:
    from policies.models import Measure

SNIPPET_CHARS = 110
_SENTENCE_END = re.compile(r"(?<=[。;;!?!?])|\n")


def highlight(text: str, terms: list[str]) -> SafeString:
    """Escape `text` and wrap each occurrence of the terms in <mark>, longest terms first."""
    lowered = normalize_text(text)
    if len(lowered) != len(text):  # NFKC changed the length: match on the text as it is
        lowered = text.lower()
    taken = [False] * len(text)
    spans = []
    for term in sorted(terms, key=len, reverse=True):
        start = lowered.find(term)
        while start != -1 and term:
            end = start + len(term)
            if not any(taken[start:end]):
                spans.append((start, end))
                for i in range(start, end):
                    taken[i] = True
            start = lowered.find(term, end)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and merged[-1][1] == start:  # 小规模 + 纳税人 read as one mark
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    out: list[str] = []
    last = 0
    for start, end in merged:
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


def best_sentence(text: str, terms: dict[str, float]) -> tuple[str, float]:
    """The sentence of `text` carrying the most query weight (distinct terms), and that weight."""
    best, best_score = "", 0.0
    for sentence in _SENTENCE_END.split(text or ""):
        sentence = sentence.strip()
        if not sentence:
            continue
        lowered = normalize_text(sentence)
        score = sum(w for t, w in terms.items() if len(t) >= 2 and t in lowered)
        if score > best_score:
            best, best_score = sentence, score
    return best, best_score


def _window(sentence: str, terms: list[str]) -> str:
    if len(sentence) <= SNIPPET_CHARS:
        return sentence
    lowered = normalize_text(sentence)
    first = min((lowered.find(t) for t in terms if t in lowered), default=0)
    start = max(0, min(first - 20, len(sentence) - SNIPPET_CHARS))
    piece = sentence[start : start + SNIPPET_CHARS]
    return ("…" if start > 0 else "") + piece + ("…" if start + SNIPPET_CHARS < len(sentence) else "")


def snippet(measure: Measure, parsed: ParsedQuery | None) -> SafeString:
    """The source sentence that best answers the query, matched words highlighted."""
    terms = parsed.terms if parsed else {}
    highlight_terms = parsed.highlight if parsed else []
    sentence, score = best_sentence(measure.text, terms)
    if not score:
        summary_sentence, summary_score = best_sentence(measure.summary, terms)
        if summary_score:
            sentence = summary_sentence
        else:
            sentence = measure.summary or measure.text
    return highlight(_window(sentence, highlight_terms), highlight_terms)
