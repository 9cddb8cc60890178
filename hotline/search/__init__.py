"""Chinese search over the measures: the engine behind `Measure.objects.search()`.

How a query is answered:

1. A query that is only a measure number (`12`, `第12条`, `十二`, `第十二条`) returns that measure.
2. Otherwise the query is normalised (NFKC, lower case, cut to `MAX_QUERY_CHARS`), expanded with
   the officials' synonyms (any `SearchSynonym.term` found in it adds its expansion words), and
   segmented with jieba's `cut_for_search` using the officials' policy dictionary. Question words
   (吗, 怎么, 多少 …) are dropped. (`text`)
3. Every measure is stored pre-segmented in `SearchEntry` (`index`) and ranked by a weighted
   ts_rank formula, in SQL on PostgreSQL and, as a development fallback, in Python on SQLite;
   typos fall back to fuzzy matching (`ranking`).
4. The snippet is the source sentence with the most query weight, matched words in `<mark>`
   (`snippets`).

The dictionary and synonyms are loaded once per process and reloaded when officials change them
(a cheap signature query per search notices it, `state`); entries segmented with an older
dictionary are re-indexed after the change commits.

The hotline app registers `search` with `policies` when it starts (see `HotlineConfig.ready`), so
the catalogue offers `Measure.objects.search()` without importing this app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .index import index_measure, index_measures, reindex, reindex_after_commit
from .ranking import rank, term_rank
from .snippets import best_sentence, highlight, snippet
from .state import INDEX, VOCABULARY, bump, signatures
from .text import MAX_QUERY_CHARS, ParsedQuery, measure_number, normalize, parse_query, segment, vocabulary

if TYPE_CHECKING:
    from policies.models import Measure
    from policies.models.catalogue import MeasureQuerySet

__all__ = [
    "INDEX",
    "MAX_QUERY_CHARS",
    "VOCABULARY",
    "ParsedQuery",
    "best_sentence",
    "bump",
    "highlight",
    "index_measure",
    "index_measures",
    "measure_number",
    "normalize",
    "parse_query",
    "reindex",
    "reindex_after_commit",
    "search",
    "segment",
    "snippet",
    "term_rank",
    "vocabulary",
]


def search(queryset: MeasureQuerySet, query: str, limit: int = 10) -> list[Measure]:
    """Published measures of `queryset` answering `query`, best first, each with .score and .snippet."""
    from . import index

    candidates = queryset.published()
    limit = max(1, min(int(limit), 200))
    if not (query or "").strip():
        return []
    number = measure_number(query)
    if number is not None:
        measure = candidates.filter(number=number).first()
        if measure is not None:
            measure.score = 1.0
            measure.snippet = snippet(measure, None)
            measure.matched_by = "number"
            return [measure]

    vocab_signature, index_signature = signatures()
    parsed = parse_query(query, vocabulary(vocab_signature))
    ranked, matched_by = rank(parsed, candidates, index.corpus(index_signature), limit)
    # Ties (to six places, beyond float noise) go to the lower measure number on both backends.
    ranked = sorted(ranked, key=lambda r: (-round(r[1], 6), r[2]))
    if parsed.referenced_number is not None:
        # "第12条什么时候截止": the measure named by number comes first.
        referenced = candidates.filter(number=parsed.referenced_number).values_list("pk", flat=True).first()
        if referenced is not None:
            ranked = [(referenced, 1.0, parsed.referenced_number)] + [r for r in ranked if r[0] != referenced]
    ranked = ranked[:limit]
    by_pk = {m.pk: m for m in candidates.filter(pk__in=[r[0] for r in ranked]).select_related("category")}
    results = []
    for pk, score, _number in ranked:
        measure = by_pk[pk]
        measure.score = round(min(score, 1.0), 4)
        measure.snippet = snippet(measure, parsed)
        measure.matched_by = matched_by
        results.append(measure)
    return results
