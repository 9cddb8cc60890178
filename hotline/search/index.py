"""The search index: each measure's text segmented once and stored in `SearchEntry`, and the
per-process statistics ranking needs (document frequencies; on SQLite the tokens themselves).

On PostgreSQL the tokens go into a GIN-indexed `tsvector` with title label A, summary B and text
C; `fuzzy_text` (trigram-indexed) serves the typo fallback.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .state import INDEX, bump
from .text import Vocabulary, normalize_text, segment, vocabulary

if TYPE_CHECKING:
    from policies.models import Measure
    from policies.models.catalogue import MeasureQuerySet

# The weight ts_rank gives each label, passed to it explicitly as {D, C, B, A} (these are not
# PostgreSQL's defaults, which are 0.1, 0.2, 0.4, 1.0): a title word counts fully, a summary word
# 0.7, a word of the text 0.5. Label D is not used.
LABEL_WEIGHTS = {"A": 1.0, "B": 0.7, "C": 0.5, "D": 0.1}
MAX_POSITIONS = 256  # PostgreSQL keeps at most 256 positions per lexeme
MAX_POSITION = 16383

logger = logging.getLogger(__name__)
_lock = threading.RLock()
_index_cache: dict[str, Any] = {"signature": None}


def table(model_label: str) -> str:
    from django.apps import apps

    return apps.get_model(model_label)._meta.db_table


# --- indexing -----------------------------------------------------------------------------------


def _positions(fields: list[tuple[list[str], str]]) -> dict[str, list[tuple[int, str]]]:
    positions: dict[str, list[tuple[int, str]]] = {}
    pos = 0
    for tokens, label in fields:
        for token in tokens:
            pos = min(pos + 1, MAX_POSITION)
            occurrences = positions.setdefault(token, [])
            if len(occurrences) < MAX_POSITIONS:
                occurrences.append((pos, label))
    return positions


def _tsvector_literal(positions: dict[str, list[tuple[int, str]]]) -> str:
    """A tsvector written out, so PostgreSQL stores jieba's tokens as they are (no parser involved)."""
    parts = []
    for token, occurrences in positions.items():
        lexeme = token.replace("\\", "\\\\").replace("'", "''")
        seen: set[int] = set()
        pos_list = []
        for pos, label in occurrences:
            if pos not in seen:
                seen.add(pos)
                pos_list.append(f"{pos}{label}")
        parts.append(f"'{lexeme}':{','.join(pos_list)}")
    return " ".join(parts)


def entry_fields(measure: Measure, vocab: Vocabulary) -> dict[str, Any]:
    title, summary, text = (
        segment(measure.title, vocab),
        segment(measure.summary, vocab),
        segment(measure.text, vocab),
    )
    return {
        "title_tokens": " ".join(title),
        "summary_tokens": " ".join(summary),
        "text_tokens": " ".join(text),
        "fuzzy_text": normalize_text(f"{measure.title} {measure.summary}"),
        "dictionary_version": vocab.version,
        "indexed_at": timezone.now(),
    }


def _write_vectors(measure_ids: list[int]) -> None:
    """Fill the PostgreSQL tsvector column from the stored tokens of these entries."""
    if connection.vendor != "postgresql" or not measure_ids:
        return
    from hotline.models import SearchEntry

    rows = SearchEntry.objects.filter(pk__in=measure_ids).values_list(
        "pk", "title_tokens", "summary_tokens", "text_tokens"
    )
    table = SearchEntry._meta.db_table
    params = []
    for pk, title, summary, text in rows:
        positions = _positions([(title.split(), "A"), (summary.split(), "B"), (text.split(), "C")])
        params.append((_tsvector_literal(positions), pk))
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET vector = %s::tsvector WHERE measure_id = %s", params)


def index_measure(measure: Measure) -> None:
    """(Re)build the search entry of one measure; called on every save of a measure."""
    from hotline.models import SearchEntry

    vocab = vocabulary()
    SearchEntry.objects.update_or_create(measure_id=measure.pk, defaults=entry_fields(measure, vocab))
    _write_vectors([measure.pk])
    bump(INDEX)


def index_measures(measures: list[Measure], batch_size: int = 500) -> int:
    """Bulk (re)index measures, e.g. after a dictionary change or for generated benchmark rows."""
    from hotline.models import SearchEntry

    vocab = vocabulary()
    count = 0
    for start in range(0, len(measures), batch_size):
        batch = measures[start : start + batch_size]
        entries = [SearchEntry(measure_id=m.pk, **entry_fields(m, vocab)) for m in batch]
        SearchEntry.objects.bulk_create(
            entries,
            update_conflicts=True,
            unique_fields=["measure"],
            update_fields=[
                "title_tokens",
                "summary_tokens",
                "text_tokens",
                "fuzzy_text",
                "dictionary_version",
                "indexed_at",
            ],
        )
        _write_vectors([m.pk for m in batch])
        count += len(batch)
    if count >= BULK:
        tidy_after_bulk()
    if count:
        bump(INDEX)
    return count


# After this many entries at once (a rebuild, an imported document), the GIN index's pending list
# is merged and the table's statistics refreshed at once rather than whenever autovacuum comes.
BULK = 500


def tidy_after_bulk() -> None:
    """Merge the GIN pending list and ANALYZE the entries (PostgreSQL; best effort).

    Rows written in bulk sit in the GIN index's unsorted pending list until a vacuum: every search
    then scans that list (25 ms instead of 0.5 ms for a six-word question over 5,070 entries), and
    without fresh statistics the planner prefers reading every compressed vector to the index.
    """
    if connection.vendor != "postgresql":
        return
    from hotline.models import SearchEntry

    table = SearchEntry._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [f"{table}_vector_gin"])
            cursor.execute(f"ANALYZE {table}")
    except DatabaseError:  # not the table's owner: autovacuum will do it later
        logger.warning("Could not tidy the search index after a bulk write", exc_info=True)


def vacuum_entries() -> bool:
    """VACUUM ANALYZE the entries (PostgreSQL, outside a transaction; best effort): whether it ran.

    Deleted entries stay in the GIN index until a vacuum, and every probe then visits their heap
    pages: after 5,000 measures were deleted, a three-word stage 1 over the 70 left took 15 ms
    instead of well under 1. `rebuild_search_index` calls this; autovacuum does it otherwise.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    from hotline.models import SearchEntry

    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {SearchEntry._meta.db_table}")
    except DatabaseError:  # not the table's owner
        logger.warning("Could not vacuum the search index", exc_info=True)
        return False
    return True


def reindex(stale_only: bool = True) -> int:
    """Re-segment measures whose entry is missing or was cut with another dictionary."""
    from policies.models import Measure

    vocab = vocabulary()
    measures = Measure.objects.all()
    if stale_only:
        measures = measures.exclude(search_entry__dictionary_version=vocab.version)
    return index_measures(list(measures.only("pk", "title", "summary", "text")))


def reindex_after_commit() -> None:
    """Schedule a re-index of stale entries once the officials' change is committed."""
    transaction.on_commit(lambda: reindex(stale_only=True))


# --- statistics for ranking --------------------------------------------------------------------


@dataclass
class Corpus:
    """What one process knows about the index: per-entry term weights (SQLite) or df (PostgreSQL)."""

    entries: dict[int, dict[str, list[float]]] = field(default_factory=dict)
    fuzzy: dict[int, set[str]] = field(default_factory=dict)
    df: dict[str, int] = field(default_factory=dict)
    n_docs: int = 0
    # PostgreSQL: the same over every published row, copies included (how many rows a word
    # would make stage 1 fetch: ranking._required_terms).
    rows_df: dict[str, int] = field(default_factory=dict)
    n_rows: int = 0


_corpus = Corpus()


def bigrams(text: str) -> set[str]:
    chars = [c for c in normalize_text(text) if c.isalnum()]
    return {chars[i] + chars[i + 1] for i in range(len(chars) - 1)}


def load_corpus_python() -> Corpus:
    from hotline.models import SearchEntry

    corpus = Corpus()
    for pk, title, summary, text, fuzzy in SearchEntry.objects.values_list(
        "pk", "title_tokens", "summary_tokens", "text_tokens", "fuzzy_text"
    ):
        positions = _positions([(title.split(), "A"), (summary.split(), "B"), (text.split(), "C")])
        corpus.entries[pk] = {t: [LABEL_WEIGHTS[label] for _, label in occ] for t, occ in positions.items()}
        corpus.fuzzy[pk] = bigrams(fuzzy)
    return corpus


def published_entries_sql(candidates: MeasureQuerySet) -> tuple[str, list]:
    # No ORDER BY (the model's default ordering) inside an IN (...): it only costs a sort.
    sql, params = candidates.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def load_corpus_postgres() -> Corpus:
    """Document frequencies of every token over published measures (ts_stat), cached per index state.

    Exact copies (same title, summary and text: documents repeating a clause) count once, so fifty
    copies of one measure do not make its words look common, nor other words rare, to ranking and
    to scope (`collapse.Keys.copy_group`; the SQLite path counts the same way).
    """
    from policies.models import Measure

    entries, measures = table("hotline.SearchEntry"), Measure._meta.db_table
    inner = (
        f"SELECT DISTINCT ON (m.title, m.summary, m.text) e.vector FROM {entries} e"
        f" JOIN {measures} m ON m.id = e.measure_id WHERE NOT m.is_draft AND e.vector IS NOT NULL"
    )
    every_row = (
        f"SELECT e.vector FROM {entries} e JOIN {measures} m ON m.id = e.measure_id"
        " WHERE NOT m.is_draft AND e.vector IS NOT NULL"
    )
    corpus = Corpus()
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, ndoc FROM ts_stat(%s)", [inner])
        corpus.df = dict(cursor.fetchall())
        cursor.execute(f"SELECT count(*) FROM ({inner}) AS published")
        corpus.n_docs = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM ({every_row}) AS published")
        corpus.n_rows = cursor.fetchone()[0]
        if corpus.n_rows == corpus.n_docs:
            corpus.rows_df = corpus.df
        else:
            cursor.execute("SELECT word, ndoc FROM ts_stat(%s)", [every_row])
            corpus.rows_df = dict(cursor.fetchall())
    return corpus


def corpus(index_signature: str) -> Corpus:
    global _corpus
    if _index_cache["signature"] == (connection.vendor, connection.alias, index_signature):
        return _corpus
    with _lock:
        _corpus = load_corpus_postgres() if connection.vendor == "postgresql" else load_corpus_python()
        _index_cache["signature"] = (connection.vendor, connection.alias, index_signature)
        return _corpus
