"""Chinese search over the measures: `search_measures()`, what the console, /search/ and the API ask.

How a query is answered:

1. A query that is only a measure number (`12`, `第12条`, `十二`, `第十二条`) returns that measure.
2. Otherwise the query is normalised (NFKC, lower case, cut to `MAX_QUERY_CHARS`), expanded with
   the officials' synonyms (any `SearchSynonym.term` found in it adds its expansion words), and
   segmented with jieba's `cut_for_search` using the officials' policy dictionary. Question words
   (吗, 怎么, 多少 …) are dropped. (`text`)
3. Every measure is stored pre-segmented in `SearchEntry` (`index`) and ranked by a weighted
   ts_rank formula, in SQL on PostgreSQL and, as a development fallback, in Python on SQLite;
   typos fall back to fuzzy matching (`ranking`).
4. Results whose texts are the same (several documents repeating one clause) collapse into one,
   shown by the measure in force today, else the newest document's; the others are listed in
   `.also_in` (`collapse`).
5. The snippet is the source sentence with the most query weight, matched words in `<mark>`
   (`snippets`).

The dictionary and synonyms are loaded once per process and reloaded when officials change them
(a cheap signature query per search notices it, `state`); entries segmented with an older
dictionary are re-indexed after the change commits.

The search is the hotline's: it reads the catalogue (policies), which knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django.utils import timezone

from . import collapse, scope
from .index import index_measure, index_measures, reindex, reindex_after_commit
from .ranking import document_frequencies, rank, term_rank
from .snippets import best_sentence, highlight, snippet
from .state import INDEX, VOCABULARY, bump, signatures
from .text import MAX_QUERY_CHARS, ParsedQuery, measure_number, normalize, parse_query, segment, vocabulary

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from policies.models import Measure
    from policies.models.catalogue import MeasureQuerySet

    class FoundMeasure(Measure):
        """A measure as `search` returns it: the same model instance, with what the search set on it.

        For the type checker only (no such model exists at run time): `search` sets these
        attributes on each `Measure` it returns, and the hotline's templates and API read them.
        """

        score: float  # 0..1, rounded to four places
        snippet: SafeString  # the best source sentence, matched words in <mark>
        matched_by: str  # "number", "words" or "fuzzy" (see `ranking.rank`)
        also_in: list[collapse.Member]  # the other measures with the same text, best first
        also_in_label: str  # "另见:…", or ""


# At most this many related measures accompany an answer (or its absence).
RELATED_LIMIT = 5

__all__ = [
    "INDEX",
    "MAX_QUERY_CHARS",
    "VOCABULARY",
    "ParsedQuery",
    "SearchResults",
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


class SearchResults(list["FoundMeasure"]):
    """The measures that answer a question, best first; `.related` holds the nearest ones that do not.

    A list, so `search_measures(q)[0]` and `for m in ...` read the answers.
    """

    def __init__(self, answers: Iterable[FoundMeasure] = (), related: Iterable[FoundMeasure] = ()) -> None:
        super().__init__(answers)
        self.related: list[FoundMeasure] = list(related)


def search_measures(query: str, limit: int = 10, measures: MeasureQuerySet | None = None) -> SearchResults:
    """Published measures (of ``measures``, by default the whole catalogue) answering a caller's
    question, best first: what the console, /search/ and `GET /api/v1/search` ask."""
    from policies.models import Measure

    queryset = Measure.objects.all() if measures is None else measures
    # Results name their document (文号), so fetch it with them.
    return search(queryset.select_related("document"), query, limit=limit)


def search(queryset: MeasureQuerySet, query: str, limit: int = 10) -> SearchResults:
    """Published measures of `queryset` answering `query`, best first, each with .score and .snippet.

    Measures that share words with the question without answering it (see `scope`) are returned
    apart, in `.related` (at most RELATED_LIMIT, best first). Each measure also has `.also_in`,
    the other measures of `queryset` with the same text (`collapse.Member`s, best first), and
    `.also_in_label` ("另见:…", or "").
    """
    from . import index

    candidates = queryset.published()
    limit = max(1, min(int(limit), 200))
    if not (query or "").strip():
        return SearchResults()
    vocab_signature, index_signature = signatures()
    today = timezone.localdate()
    number = measure_number(query)
    if number is not None:
        first = candidates.filter(number=number).first()
        if first is not None:
            measure = cast("FoundMeasure", first)  # given its search attributes just below
            measure.score = 1.0
            measure.snippet = snippet(measure, None)
            measure.matched_by = "number"
            _, others = collapse.collapse(
                [(measure.pk, 1.0, number)], candidates, index_signature, today, frozenset({measure.pk})
            )
            _attach_others(measure, others)
            return SearchResults([measure])

    vocab = vocabulary(vocab_signature)
    parsed = parse_query(query, vocab)
    data = index.corpus(index_signature)
    # Rank more than `limit`: some of the best-scoring rows may only be related, not answers.
    pool = min(limit + max(limit, RELATED_LIMIT), 250)
    probe = sorted({w for concept in parsed.concepts for w in concept.alternatives})
    hits: dict[int, set[str]] = {}
    # Exact copies are scored once (ranking's stage 1) when they are all candidates.
    everything = collapse.all_published(candidates)
    copies = collapse.keys(index_signature).copy_group if everything else {}
    ranked, matched_by = rank(parsed, candidates, data, pool, probe, hits, copies)
    # Ties (to six places, beyond float noise) go to the lower measure number on both backends.
    ranked = sorted(ranked, key=lambda r: (-round(r[1], 6), r[2], r[0]))[:pool]
    referenced = None
    if parsed.referenced_number is not None:
        # "第12条什么时候截止": the measure named by number comes first, and answers.
        referenced = candidates.filter(number=parsed.referenced_number).values_list("pk", flat=True).first()
        if referenced is not None:
            ranked = [(referenced, 1.0, parsed.referenced_number)] + [r for r in ranked if r[0] != referenced]

    assessment = scope.assess(
        parsed, *document_frequencies(set(probe), candidates, data, copies), vocab.words
    )
    answer_rows: list[tuple] = []
    related_rows: list[tuple] = []
    for row in ranked:
        pk, score, _number = row
        if pk == referenced:
            answers = True
        elif matched_by == "fuzzy":
            answers = score >= scope.option("FUZZY_MIN_SCORE")
        else:
            answers = assessment.answered_by(hits.get(pk, set()))
        (answer_rows if answers else related_rows).append(row)
    keep = frozenset({referenced} if referenced is not None else ())
    answer_rows, others = collapse.collapse(answer_rows, candidates, index_signature, today, keep, everything)
    related_rows, related_others = collapse.collapse(
        related_rows, candidates, index_signature, today, everything=everything
    )
    # A text already answered is not also "related" (a near-copy ranked lower).
    shown = {m.pk for group in others.values() for m in group} | {r[0] for r in answer_rows}
    related_rows = [r for r in related_rows if r[0] not in shown]
    others.update(related_others)
    answer_rows, related_rows = answer_rows[:limit], related_rows[: min(limit, RELATED_LIMIT)]

    wanted = [r[0] for r in answer_rows + related_rows]
    by_pk = {m.pk: m for m in candidates.filter(pk__in=wanted).select_related("category")}

    def build(rows: list[tuple]) -> list[FoundMeasure]:
        measures = []
        for pk, score, _number in rows:
            measure = cast("FoundMeasure", by_pk[pk])  # given its search attributes just below
            measure.score = round(min(score, 1.0), 4)
            measure.snippet = snippet(measure, parsed)
            measure.matched_by = "number" if pk == referenced else matched_by
            _attach_others(measure, others)
            measures.append(measure)
        return measures

    return SearchResults(build(answer_rows), build(related_rows))


def _attach_others(measure: FoundMeasure, others: dict[int, list[collapse.Member]]) -> None:
    measure.also_in = others.get(measure.pk, [])
    measure.also_in_label = collapse.also_in_label(measure.also_in)
