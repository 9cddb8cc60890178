"""Chinese search over the measures: the engine behind `Measure.objects.search()`.

How a query is answered:

1. A query that is only a measure number (`12`, `第12条`, `十二`, `第十二条`) returns that measure.
2. Otherwise the query is normalised (NFKC, lower case, cut to `MAX_QUERY_CHARS`), expanded with
   the officials' synonyms (any `SearchSynonym.term` found in it adds its expansion words), and
   segmented with jieba's `cut_for_search` using the officials' policy dictionary. Question words
   (吗, 怎么, 多少 …) are dropped.
3. Every measure is stored pre-segmented in `SearchEntry` (title weight A, summary B, text C).
   Each query term t gets a weight w_t = idf(t), halved for single characters, and a measure
   scores sum(w_t * rank_t) / sum(w_t), where rank_t is PostgreSQL's single-term `ts_rank`
   (weights D 0.1, C 0.2, B 0.4, A 1.0). On PostgreSQL this runs in SQL over the GIN-indexed
   `tsvector`; on SQLite the same formula runs in Python over the same tokens, so both
   backends rank alike. Scores lie in 0..1.
4. When no term matches, a fuzzy fallback (pg_trgm `word_similarity` on PostgreSQL, character
   bigram overlap on SQLite) catches typos.
5. The snippet is the source sentence with the most query weight, matched words in `<mark>`.

The dictionary and synonyms are loaded once per process and reloaded when officials change them
(a cheap signature query per search notices it); entries segmented with an older dictionary are
re-indexed after the change commits.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import struct
import threading
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jieba
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from policies.models import Measure
    from policies.models.catalogue import MeasureQuerySet

    from .models import SearchEntry

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

# Callers do not dictate essays; a pasted page is cut here so the work per query stays bounded.
MAX_QUERY_CHARS = 200
MAX_TERMS = 32
SNIPPET_CHARS = 110
FUZZY_THRESHOLD = 0.3

# ts_rank's default weights for labels D, C, B, A and its normalising constant (pi^2 / 6).
LABEL_WEIGHTS = {"A": 1.0, "B": 0.7, "C": 0.5, "D": 0.1}
PART_WEIGHT = 0.5
SINGLE_CHAR_WEIGHT = 0.5
# In a large corpus, a measure must contain at least one query word that is not common (in more
# than COMMON_SHARE of all measures); common words (支持, 企业, 补贴 …) then only add to the score.
# This keeps a query from scoring thousands of rows; with 70 measures every match counts.
LARGE_CORPUS = 1000
COMMON_SHARE = 0.05
_PI2_6 = 1.64493406685
MAX_POSITIONS = 256  # PostgreSQL keeps at most 256 positions per lexeme
MAX_POSITION = 16383

# Question and function words carry no topic. A caller's "今年还要交增值税吗" is about 增值税.
STOPWORDS = frozenset(
    """
    吗 呢 吧 啊 呀 嘛 么 哦 的 地 得 了 着 过 是 不是 有 有没有 没 没有 在 和 与 及 或 或者 还 还是 还要
    也 都 就 才 要 想 想问 能 能不能 可以 可不可以 可否 会 该 应该 需要 需不需要 怎么 怎么样 怎样 如何
    什么 啥 哪些 哪个 哪里 哪儿 多少 几 几个 多 多久 多长 多大 一下 请问 问 问问 问一下 咨询 你好 您好
    我 我们 我司 我家 咱们 你 您 你们 他 他们 她 它 这 那 这个 那个 这些 那些 个 些 今年 现在 目前 最近
    给 对 从 到 让 把 被 为 为了 关于 吧 呗 不 一 一个 谁 时候 什么时候 多会 啥时候 咋 咋办 怎么办 办
    可 以 之 其 并 等 于 即
    """.split()
)

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"(\d{1,6}|[零〇一二两三四五六七八九十百千]{1,8})"
_NUMBER_ONLY = re.compile(rf"^(?:第)?\s*{_NUM}\s*(?:条|项|款|号)?$")
_NUMBER_INSIDE = re.compile(rf"第\s*{_NUM}\s*条")
_TOKEN_OK = re.compile(r"^\w+$")
_SENTENCE_END = re.compile(r"(?<=[。;;!?!?])|\n")


def chinese_number(text: str) -> int | None:
    """Parse 十二, 二十三, 七十, 一百零五 (and plain digits); None if it is not a number."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def normalize(query: str) -> str:
    """Full-width to half-width, lower case, collapsed whitespace, cut to MAX_QUERY_CHARS."""
    text = unicodedata.normalize("NFKC", query or "")[: MAX_QUERY_CHARS * 2]
    text = " ".join(text.split()).lower()
    return text[:MAX_QUERY_CHARS]


def measure_number(query: str) -> int | None:
    """The measure number a query consists of (`12`, `第12条`, `十二`), or None."""
    match = _NUMBER_ONLY.match(normalize(query).replace(" ", ""))
    if not match:
        return None
    return chinese_number(match.group(1))


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


# --- vocabulary (dictionary words and synonyms), loaded once per process -------------------------


@dataclass
class Vocabulary:
    signature: str | None = None
    version: str = ""
    words: frozenset[str] = frozenset()
    synonyms: list[tuple[str, list[str]]] = field(default_factory=list)
    tokenizer: Any = None


_lock = threading.RLock()
_vocab = Vocabulary()
_index_cache: dict[str, Any] = {"signature": None}
VOCABULARY, INDEX = "vocabulary", "index"


def _table(model_label: str) -> str:
    from django.apps import apps

    return apps.get_model(model_label)._meta.db_table


def _signatures() -> tuple[str, str]:
    """(vocabulary token, index token): one read of two rows, see SearchState."""
    from .models import SearchState

    tokens = dict(SearchState.objects.values_list("name", "token"))
    return tokens.get(VOCABULARY, ""), tokens.get(INDEX, "")


def bump(name: str) -> None:
    """Mark the vocabulary or the index as changed, for every process."""
    from .models import SearchState

    SearchState.objects.update_or_create(name=name, defaults={"token": uuid.uuid4().hex})


def _new_tokenizer(words: frozenset[str]) -> Any:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in sorted(words):
        tokenizer.add_word(word)
    return tokenizer


def vocabulary(signature: str | None = None) -> Vocabulary:
    """The current dictionary, synonyms and tokenizer, reloaded only when officials changed them."""
    global _vocab
    from .models import DictionaryWord, SearchSynonym

    if signature is None:
        signature = _signatures()[0]
    if _vocab.tokenizer is not None and _vocab.signature == signature:
        return _vocab
    with _lock:
        if _vocab.tokenizer is not None and _vocab.signature == signature:
            return _vocab
        synonyms = []
        words = {normalize(w) for w in DictionaryWord.objects.values_list("word", flat=True)}
        for synonym in SearchSynonym.objects.all():
            expansion = [normalize(w) for w in synonym.expansion_words()]
            synonyms.append((normalize(synonym.term), expansion))
            # Expansion words are policy terms: the documents must be cut so that they appear whole.
            words.update(expansion)
        words = frozenset(w for w in words if w and len(w) <= 40)
        # Longest terms first, so 晚点交税 is seen before 交税.
        synonyms.sort(key=lambda item: -len(item[0]))
        old = _vocab
        if old.tokenizer is not None and old.words <= words:
            tokenizer = old.tokenizer
            for word in sorted(words - old.words):
                tokenizer.add_word(word)
        else:
            # jieba cannot forget an added word cleanly (del_word forces splits process-wide).
            tokenizer = _new_tokenizer(words)
        version = hashlib.sha1("\n".join(sorted(words)).encode()).hexdigest()[:16]
        _vocab = Vocabulary(signature, version, words, synonyms, tokenizer)
        return _vocab


def segment(text: str, vocab: Vocabulary | None = None) -> list[str]:
    """jieba `cut_for_search` tokens (compounds and their dictionary parts), word characters only."""
    vocab = vocab or vocabulary()
    tokens = []
    for token in vocab.tokenizer.cut_for_search(normalize_text(text)):
        token = token.strip()
        if token and len(token) <= 40 and _TOKEN_OK.match(token) and token.strip("_"):
            tokens.append(token)
    return tokens


def normalize_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


# --- query analysis -----------------------------------------------------------------------------


@dataclass
class ParsedQuery:
    text: str
    terms: dict[str, float]  # term -> weight before idf (1.0, or 0.5 for a single character)
    highlight: list[str]  # terms worth marking in a snippet, longest first
    referenced_number: int | None = None


def parse_query(query: str, vocab: Vocabulary | None = None) -> ParsedQuery:
    vocab = vocab or vocabulary()
    text = normalize(query)
    pieces = [text]
    for term, expansion in vocab.synonyms:
        if term and term in text:
            pieces.extend(expansion)
    terms: dict[str, float] = {}
    for piece in pieces:
        tokens = [t for t in segment(piece, vocab) if t not in STOPWORDS]
        for token in tokens:
            weight = 1.0
            if len(token) == 1:
                weight = SINGLE_CHAR_WEIGHT
            elif any(token != other and token in other for other in tokens):
                # A part of a compound also in the query (专精 of 专精特新) is partial evidence.
                weight = PART_WEIGHT
            terms[token] = max(weight, terms.get(token, 0.0))
    if len(terms) > MAX_TERMS:
        # Keep the longest (most specific) terms of an overlong query.
        keep = sorted(terms, key=lambda t: (-len(t), t))[:MAX_TERMS]
        terms = {t: terms[t] for t in keep}
    referenced = None
    match = _NUMBER_INSIDE.search(text)
    if match:
        referenced = chinese_number(match.group(1))
    highlight = sorted((t for t in terms if len(t) >= 2), key=lambda t: (-len(t), t))
    return ParsedQuery(text, terms, highlight, referenced)


def idf(df: int, n_docs: int) -> float:
    """BM25's idf, never negative: a word in every measure still counts a little."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


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
    from .models import SearchEntry

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
    from .models import SearchEntry

    vocab = vocabulary()
    SearchEntry.objects.update_or_create(measure_id=measure.pk, defaults=entry_fields(measure, vocab))
    _write_vectors([measure.pk])
    bump(INDEX)


def index_measures(measures: list[Measure], batch_size: int = 500) -> int:
    """Bulk (re)index measures, e.g. after a dictionary change or for generated benchmark rows."""
    from .models import SearchEntry

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
    if count:
        bump(INDEX)
    return count


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


# --- ranking ------------------------------------------------------------------------------------


@dataclass
class _Corpus:
    """What one process knows about the index: per-entry term weights (SQLite) or df (PostgreSQL)."""

    entries: dict[int, dict[str, list[float]]] = field(default_factory=dict)
    fuzzy: dict[int, set[str]] = field(default_factory=dict)
    df: dict[str, int] = field(default_factory=dict)
    n_docs: int = 0


_corpus = _Corpus()


def _bigrams(text: str) -> set[str]:
    chars = [c for c in normalize_text(text) if c.isalnum()]
    return {chars[i] + chars[i + 1] for i in range(len(chars) - 1)}


def _load_corpus_python() -> _Corpus:
    from .models import SearchEntry

    corpus = _Corpus()
    for pk, title, summary, text, fuzzy in SearchEntry.objects.values_list(
        "pk", "title_tokens", "summary_tokens", "text_tokens", "fuzzy_text"
    ):
        positions = _positions([(title.split(), "A"), (summary.split(), "B"), (text.split(), "C")])
        corpus.entries[pk] = {t: [LABEL_WEIGHTS[label] for _, label in occ] for t, occ in positions.items()}
        corpus.fuzzy[pk] = _bigrams(fuzzy)
    return corpus


def _published_entries_sql(candidates: MeasureQuerySet) -> tuple[str, list]:
    # No ORDER BY (the model's default ordering) inside an IN (...): it only costs a sort.
    sql, params = candidates.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def _load_corpus_postgres() -> _Corpus:
    """Document frequencies of every token over published measures (ts_stat), cached per index state."""
    from policies.models import Measure

    entries, measures = _table("hotline.SearchEntry"), Measure._meta.db_table
    inner = (
        f"SELECT e.vector FROM {entries} e JOIN {measures} m ON m.id = e.measure_id"
        " WHERE NOT m.is_draft AND e.vector IS NOT NULL"
    )
    corpus = _Corpus()
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, ndoc FROM ts_stat(%s)", [inner])
        corpus.df = dict(cursor.fetchall())
        cursor.execute(f"SELECT count(*) FROM ({inner}) AS published")
        corpus.n_docs = cursor.fetchone()[0]
    return corpus


def corpus(index_signature: str) -> _Corpus:
    global _corpus
    if _index_cache["signature"] == (connection.vendor, connection.alias, index_signature):
        return _corpus
    with _lock:
        _corpus = _load_corpus_postgres() if connection.vendor == "postgresql" else _load_corpus_python()
        _index_cache["signature"] = (connection.vendor, connection.alias, index_signature)
        return _corpus


def _weights(parsed: ParsedQuery, df: dict[str, int], n_docs: int) -> dict[str, float]:
    """Each query term's weight: its base weight times idf; unseen terms count as rare."""
    return {term: base * idf(max(df.get(term, 0), 1), max(n_docs, 1)) for term, base in parsed.terms.items()}


def _required_terms(present: dict[str, float], df: dict[str, int], n_docs: int) -> set[str]:
    """The query words a measure must contain at least one of to be ranked at all."""
    if n_docs < LARGE_CORPUS:
        return set(present)
    selective = {t for t in present if df.get(t, 0) <= COMMON_SHARE * n_docs}
    # A query of common words only: its rarest word picks the candidates.
    return selective or {min(present, key=lambda t: (df.get(t, 0), t))}


def _rank_python(parsed: ParsedQuery, candidates: MeasureQuerySet, data: _Corpus, limit: int) -> list[tuple]:
    numbers = dict(candidates.values_list("pk", "number"))
    entries = {pk: terms for pk, terms in data.entries.items() if pk in numbers}
    df = {t: sum(1 for terms in entries.values() if t in terms) for t in parsed.terms}
    weights = _weights(parsed, df, len(entries))
    total = sum(weights.values()) or 1.0
    present = {t: w for t, w in weights.items() if df[t]}
    required = _required_terms(present, df, len(entries)) if present else set()
    scored = []
    for pk, terms in entries.items():
        if not any(t in terms for t in required):
            continue
        raw = sum(w * term_rank(terms[t]) for t, w in present.items() if t in terms)
        if raw > 0:
            scored.append((pk, raw / total, numbers[pk]))
    return scored


def _rank_postgres(
    parsed: ParsedQuery, candidates: MeasureQuerySet, data: _Corpus, limit: int
) -> list[tuple]:
    from policies.models import Measure

    weights = _weights(parsed, data.df, data.n_docs)
    total = sum(weights.values()) or 1.0
    # Terms no published measure contains cannot match; they still lower the score through `total`.
    present = {t: w for t, w in weights.items() if data.df.get(t, 0) > 0}
    if not present:
        return []
    entries, measures = _table("hotline.SearchEntry"), Measure._meta.db_table
    sub_sql, sub_params = _published_entries_sql(candidates)
    label_weights = "{%s}" % ",".join(str(LABEL_WEIGHTS[label]) for label in "DCBA")
    score_sql = " + ".join(["%s * ts_rank(%s::real[], e.vector, %s::tsquery)"] * len(present))
    score_params: list[Any] = []
    for term, weight in present.items():
        score_params += [weight / total, label_weights, _quote(term)]
    any_term = " | ".join(_quote(t) for t in sorted(_required_terms(present, data.df, data.n_docs)))
    sql = (
        f"SELECT e.measure_id, ({score_sql}) AS score, m.number FROM {entries} e"
        f" JOIN {measures} m ON m.id = e.measure_id"
        f" WHERE e.vector @@ %s::tsquery AND e.measure_id IN ({sub_sql})"
        " ORDER BY score DESC, m.number LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*score_params, any_term, *sub_params, limit])
        return [(pk, float(score), number) for pk, score, number in cursor.fetchall()]


def _quote(term: str) -> str:
    """A tsquery operand for one stored token (tokens hold word characters only)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _fuzzy_python(parsed: ParsedQuery, candidates: MeasureQuerySet, data: _Corpus, limit: int) -> list[tuple]:
    wanted = _bigrams("".join(parsed.terms))
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


def _fuzzy_postgres(
    parsed: ParsedQuery, candidates: MeasureQuerySet, data: _Corpus, limit: int
) -> list[tuple]:
    from policies.models import Measure

    text = " ".join(parsed.terms)
    if not text:
        return []
    entries, measures = _table("hotline.SearchEntry"), Measure._meta.db_table
    sub_sql, sub_params = _published_entries_sql(candidates)
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


# --- snippets -----------------------------------------------------------------------------------


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
    out, last = [], 0
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


# --- the public entry point ---------------------------------------------------------------------


def search(queryset: MeasureQuerySet, query: str, limit: int = 10) -> list[Measure]:
    """Published measures of `queryset` answering `query`, best first, each with .score and .snippet."""
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

    vocab_signature, index_signature = _signatures()
    vocab = vocabulary(vocab_signature)
    parsed = parse_query(query, vocab)
    data = corpus(index_signature)
    postgres = connection.vendor == "postgresql"
    ranked: list[tuple] = []
    matched_by = "words"
    if parsed.terms:
        ranked = (_rank_postgres if postgres else _rank_python)(parsed, candidates, data, limit)
        if not ranked:
            ranked = (_fuzzy_postgres if postgres else _fuzzy_python)(parsed, candidates, data, limit)
            matched_by = "fuzzy"
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


def entry_for(measure: Measure) -> SearchEntry | None:
    from .models import SearchEntry

    return SearchEntry.objects.filter(pk=measure.pk).first()
