"""Ranking: which measures match a parsed query and how well.

Each query term t gets a weight w_t = base_t * idf(t) (base 1.0, or 0.5 for a single character or
a part of a compound also in the query), and a measure scores sum(w_t * rank_t) / sum(w_t), where
rank_t is PostgreSQL's single-term `ts_rank` with the label weights of `index.LABEL_WEIGHTS`
(title 1.0, summary 0.7, text 0.5). Scores lie in 0..1.

PostgreSQL is the production path: the formula runs in SQL over the GIN-indexed `tsvector`.
SQLite is a development fallback: `term_rank` reimplements ts_rank in Python over the same tokens.
`tests/test_search.py` compares the two on PostgreSQL, so the fallback cannot drift unnoticed.
When no term matches, a fuzzy fallback (pg_trgm `word_similarity` on PostgreSQL, character
bigram overlap on SQLite) catches typos.

Ranking has two stages, alike on both backends:

1. Pre-selection, without scoring: the measures containing a required query word (the GIN index
   on PostgreSQL), of which only one per group of exact copies (same title, summary and text,
   `collapse.Keys.copy_group`: the same index entry, hence the same score) goes on, the smallest
   pk among the candidates. Many documents repeating one clause then cost one score, not fifty.
2. The full score on those rows.

`collapse` then folds the results whose texts are the same into one.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from .index import LABEL_WEIGHTS, MAX_POSITIONS, Corpus, bigrams, published_entries_sql, table
from .text import ParsedQuery

if TYPE_CHECKING:
    from policies.models.catalogue import MeasureQuerySet

FUZZY_THRESHOLD = 0.3
# In a large corpus, a measure must contain at least one query word that is not common (in more
# than COMMON_SHARE of all measures); common words (支持, 企业, 补贴 …) then only add to the score.
# This keeps a query from scoring thousands of rows; with 70 measures every match counts.
LARGE_CORPUS = 1000
COMMON_SHARE = 0.05
# ts_rank's normalising constant (pi^2 / 6).
_PI2_6 = 1.64493406685


def _float4(value: float) -> float:
    """Round to single precision like ts_rank's `real`, so both backends break ties alike."""
    return struct.unpack("f", struct.pack("f", value))[0]


def term_rank(weights: list[float]) -> float:
    """PostgreSQL's ts_rank for a one-word query, given the label weight of each position in order.

    This is `calc_rank_or` from src/backend/utils/adt/tsrank.c: the best occurrence counts in full,
    further ones with 1/j^2, normalised by pi^2/6, so the value lies in (0, 1].
    """
    resj, wjm, jm = 0.0, -1.0, 0
    for j, w in enumerate(weights[:MAX_POSITIONS]):
        resj += w / ((j + 1) * (j + 1))
        if w > wjm:
            wjm, jm = w, j
    if wjm < 0:
        return 0.0
    return _float4((wjm + resj - wjm / ((jm + 1) * (jm + 1))) / _PI2_6)


def idf(df: int, n_docs: int) -> float:
    """BM25's idf, never negative: a word in every measure still counts a little."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def _weights(parsed: ParsedQuery, df: dict[str, int], n_docs: int) -> dict[str, float]:
    """Each query term's weight: its base weight times idf; unseen terms count as rare."""
    return {term: base * idf(max(df.get(term, 0), 1), max(n_docs, 1)) for term, base in parsed.terms.items()}


def _required_terms(present: dict[str, float], df: dict[str, int], n_docs: int) -> set[str]:
    """The query words a measure must contain at least one of to be ranked at all.

    `df` and `n_docs` count every candidate row, copies included: this bounds how many rows
    stage 1 fetches.
    """
    if n_docs < LARGE_CORPUS:
        return set(present)
    selective = {t for t in present if df.get(t, 0) <= COMMON_SHARE * n_docs}
    # A query of common words only: its rarest word picks the candidates.
    return selective or {min(present, key=lambda t: (df.get(t, 0), t))}


def rank_python(
    parsed: ParsedQuery,
    candidates: MeasureQuerySet,
    data: Corpus,
    limit: int,
    copies: dict[int, int] | None = None,
) -> list[tuple]:
    numbers = dict(candidates.values_list("pk", "number"))
    entries = {pk: terms for pk, terms in data.entries.items() if pk in numbers}
    # Word statistics count a group of exact copies once, as load_corpus_postgres does.
    distinct = [entries[pk] for pk in one_per_copy_group(entries, copies or {})]
    df = {t: sum(1 for terms in distinct if t in terms) for t in parsed.terms}
    weights = _weights(parsed, df, len(distinct))
    total = sum(weights.values()) or 1.0
    present = {t: w for t, w in weights.items() if df[t]}
    # Which words a row must hold is judged on every row, copies included (as on PostgreSQL).
    rows_df = {t: sum(1 for terms in entries.values() if t in terms) for t in present}
    required = _required_terms(present, rows_df, len(entries)) if present else set()
    matched = (pk for pk, terms in entries.items() if any(t in terms for t in required))
    scored = []
    for pk in one_per_copy_group(matched, copies or {}):
        terms = entries[pk]
        raw = sum(w * term_rank(terms[t]) for t, w in present.items() if t in terms)
        if raw > 0:
            scored.append((pk, raw / total, numbers[pk]))
    return scored


def rank_postgres(
    parsed: ParsedQuery,
    candidates: MeasureQuerySet,
    data: Corpus,
    limit: int,
    probe: Sequence[str] = (),
    hits: dict[int, set[str]] | None = None,
    copies: dict[int, int] | None = None,
) -> list[tuple]:
    """The ranking in SQL; for each row, which `probe` words it contains goes into `hits`.

    Asking for the probe words in the same query saves scope.py a round trip for the tokens.
    Stage 1 (the inner SELECT) reads only the GIN index and the copy groups; stage 2 computes
    ts_rank on the rows it keeps.
    """
    from policies.models import Measure

    weights = _weights(parsed, data.df, data.n_docs)
    total = sum(weights.values()) or 1.0
    # Terms no published measure contains cannot match; they still lower the score through `total`.
    present = {t: w for t, w in weights.items() if data.df.get(t, 0) > 0}
    if not present:
        return []
    entries, measures = table("hotline.SearchEntry"), Measure._meta.db_table
    sub_sql, sub_params = published_entries_sql(candidates)
    label_weights = "{%s}" % ",".join(str(LABEL_WEIGHTS[label]) for label in "DCBA")
    score_sql = " + ".join(["%s * ts_rank(%s::real[], e.vector, %s::tsquery)"] * len(present))
    score_params: list[Any] = []
    for term, weight in present.items():
        score_params += [weight / total, label_weights, _quote(term)]
    probe = [w for w in probe if data.df.get(w, 0) > 0]  # a word no measure has matches nowhere
    probe_sql = "ARRAY[%s]::boolean[]" % ", ".join(["e.vector @@ %s::tsquery"] * len(probe))
    # Stage 1: which rows to score, from the GIN index alone (a one-word tsquery needs no recheck
    # of the compressed vectors). One index probe per required word, joined by UNION: for an OR of
    # many words PostgreSQL's planner misjudges the match count and prefers to decompress every
    # vector (50 ms against under 1 ms over 5,070 entries). With `copies` (given only when the
    # candidates are all published measures, whose copy groups they are), one row per group.
    required = sorted(_required_terms(present, data.rows_df or data.df, data.n_rows or data.n_docs))
    matched_sql = " UNION ".join(
        [f"SELECT measure_id FROM {entries} WHERE vector @@ %s::tsquery"] * len(required)
    )
    if copies:
        # Drafts are in no copy group, so they are left out after stage 1 (stage 2 reads is_draft).
        select_sql, select_params = matched_sql, list(map(_quote, required))
        stage2_filter = " AND NOT m.is_draft"
    else:
        select_sql = f"SELECT f.measure_id FROM ({matched_sql}) f WHERE f.measure_id IN ({sub_sql})"
        select_params = [*map(_quote, required), *sub_params]
        stage2_filter = ""
    with connection.cursor() as cursor:
        cursor.execute(select_sql, select_params)
        chosen = one_per_copy_group((row[0] for row in cursor.fetchall()), copies or {})
    if not chosen:
        return []
    # Stage 2: the full score of those rows only.
    sql = (
        f"SELECT e.measure_id, ({score_sql}) AS score, m.number, {probe_sql} FROM {entries} e"
        f" JOIN {measures} m ON m.id = e.measure_id"
        f" WHERE e.measure_id = ANY(%s::bigint[]){stage2_filter}"
        " ORDER BY score DESC, m.number LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*score_params, *map(_quote, probe), int_array(chosen), limit])
        rows = cursor.fetchall()
    if hits is not None:
        for pk, _score, _number, matched in rows:
            hits[pk] = {word for word, hit in zip(probe, matched, strict=True) if hit}
    return [(pk, float(score), number) for pk, score, number, _matched in rows]


def one_per_copy_group(pks: Any, copies: dict[int, int]) -> list[int]:
    """Of matching pks, the smallest of each copy group (stage 1 of both backends), sorted."""
    chosen: dict[int, int] = {}
    for pk in pks:
        group = copies.get(pk, pk)
        chosen[group] = min(pk, chosen.get(group, pk))
    return sorted(chosen.values())


def int_array(numbers: Any) -> str:
    """A PostgreSQL array literal of integers ('{1,2,3}'), for a `%s::bigint[]` parameter."""
    return "{" + ",".join(str(int(n)) for n in numbers) + "}"


def _quote(term: str) -> str:
    """A tsquery operand for one stored token (tokens hold word characters only)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def fuzzy_python(parsed: ParsedQuery, candidates: MeasureQuerySet, data: Corpus, limit: int) -> list[tuple]:
    wanted = bigrams("".join(parsed.terms))
    if not wanted:
        return []
    numbers = dict(candidates.values_list("pk", "number"))
    scored = []
    for pk, grams in data.fuzzy.items():
        if pk in numbers:
            share = len(wanted & grams) / len(wanted)
            if share >= FUZZY_THRESHOLD + 0.2:
                scored.append((pk, share * 0.5, numbers[pk]))
    return scored


def fuzzy_postgres(parsed: ParsedQuery, candidates: MeasureQuerySet, data: Corpus, limit: int) -> list[tuple]:
    from policies.models import Measure

    text = " ".join(parsed.terms)
    if not text:
        return []
    entries, measures = table("hotline.SearchEntry"), Measure._meta.db_table
    sub_sql, sub_params = published_entries_sql(candidates)
    sql = (
        f"SELECT e.measure_id, word_similarity(%s, e.fuzzy_text) AS sim, m.number FROM {entries} e"
        f" JOIN {measures} m ON m.id = e.measure_id"
        f" WHERE %s <%% e.fuzzy_text AND e.measure_id IN ({sub_sql})"
        " ORDER BY sim DESC, m.number LIMIT %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # `<%` can use the trigram index; its threshold is a setting, scoped to this transaction.
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(FUZZY_THRESHOLD)]
        )
        cursor.execute(sql, [text, text, *sub_params, limit])
        return [(pk, float(sim) * 0.5, number) for pk, sim, number in cursor.fetchall()]


def rank(
    parsed: ParsedQuery,
    candidates: MeasureQuerySet,
    data: Corpus,
    limit: int,
    probe: Sequence[str] = (),
    hits: dict[int, set[str]] | None = None,
    copies: dict[int, int] | None = None,
) -> tuple[list[tuple], str]:
    """(pk, score, number) rows matching the query's words, or else its fuzzy matches; and which.

    For rows matched by words, `hits` receives which of the `probe` words each contains. Of exact
    copies (`copies`: pk -> copy group) one row stands for all.
    """
    postgres = connection.vendor == "postgresql"
    if not parsed.terms:
        return [], "words"
    if postgres:
        ranked = rank_postgres(parsed, candidates, data, limit, probe, hits, copies)
    else:
        ranked = rank_python(parsed, candidates, data, limit, copies)
        if hits is not None:
            for pk, _score, _number in ranked:
                hits[pk] = {w for w in probe if w in data.entries[pk]}
    if ranked:
        return ranked, "words"
    return (fuzzy_postgres if postgres else fuzzy_python)(parsed, candidates, data, limit), "fuzzy"


def document_frequencies(
    words: set[str], candidates: MeasureQuerySet, data: Corpus, copies: dict[int, int] | None = None
) -> tuple[dict[str, int], int]:
    """How many measures contain each word, and out of how many: the statistics ranking uses.

    A group of exact copies counts once (`copies`), on both backends.
    """
    if connection.vendor == "postgresql":
        # Over all published measures (ts_stat), as in rank_postgres.
        return {w: data.df.get(w, 0) for w in words}, data.n_docs
    pks = set(candidates.values_list("pk", flat=True))
    entries = [
        data.entries[pk] for pk in one_per_copy_group((pk for pk in data.entries if pk in pks), copies or {})
    ]
    return {w: sum(1 for terms in entries if w in terms) for w in words}, len(entries)
