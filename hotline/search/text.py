"""Text and vocabulary: normalising, measure numbers, the officials' dictionary and synonyms,
jieba segmentation, and turning a caller's question into weighted terms.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import jieba

from policies.chinese_numerals import chinese_number

from .state import signatures

jieba.setLogLevel(logging.WARNING)

# Callers do not dictate essays; a pasted page is cut here so the work per query stays bounded.
MAX_QUERY_CHARS = 200
MAX_TERMS = 32
# A part of a compound that is also in the query, and a single character, are partial evidence.
PART_WEIGHT = 0.5
SINGLE_CHAR_WEIGHT = 0.5

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

_NUM = r"(\d{1,6}|[零〇一二两三四五六七八九十百千]{1,8})"
_NUMBER_ONLY = re.compile(rf"^(?:第)?\s*{_NUM}\s*(?:条|项|款|号)?$")
_NUMBER_INSIDE = re.compile(rf"第\s*{_NUM}\s*条")
_TOKEN_OK = re.compile(r"^\w+$")
_SENTENCE_END = re.compile(r"(?<=[。;;!?!?])|\n")


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


def _new_tokenizer(words: frozenset[str]) -> Any:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in sorted(words):
        tokenizer.add_word(word)
    return tokenizer


def vocabulary(signature: str | None = None) -> Vocabulary:
    """The current dictionary, synonyms and tokenizer, reloaded only when officials changed them."""
    global _vocab
    from hotline.models import DictionaryWord, SearchSynonym

    if signature is None:
        signature = signatures()[0]
    if _vocab.tokenizer is not None and _vocab.signature == signature:
        return _vocab
    with _lock:
        if _vocab.tokenizer is not None and _vocab.signature == signature:
            return _vocab
        synonyms = []
        found = {normalize(w) for w in DictionaryWord.objects.values_list("word", flat=True)}
        for synonym in SearchSynonym.objects.all():
            expansion = [normalize(w) for w in synonym.expansion_words()]
            synonyms.append((normalize(synonym.term), expansion))
            # Expansion words are policy terms: the documents must be cut so that they appear whole.
            found.update(expansion)
        words = frozenset(w for w in found if w and len(w) <= 40)
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
class Concept:
    """One meaningful word of the caller's own question, and the index words that would answer it.

    `alternatives` holds the word itself and, when it belongs to a synonym the caller used
    (晚点 of 晚点交税), that synonym's policy terms (缓缴): a measure saying either covers it.
    """

    word: str
    base: float  # 1.0, or PART_WEIGHT / SINGLE_CHAR_WEIGHT
    alternatives: frozenset[str]


@dataclass
class ParsedQuery:
    text: str
    terms: dict[str, float]  # term -> weight before idf (1.0, or 0.5 for a single character)
    highlight: list[str]  # terms worth marking in a snippet, longest first
    referenced_number: int | None = None
    concepts: list[Concept] = field(default_factory=list)  # the question's own words, for scope.py


def parse_query(query: str, vocab: Vocabulary | None = None) -> ParsedQuery:
    vocab = vocab or vocabulary()
    text = normalize(query)
    pieces = [text]
    used_synonyms = []
    for term, expansion in vocab.synonyms:
        if term and term in text:
            pieces.extend(expansion)
            used_synonyms.append((term, expansion))
    terms: dict[str, float] = {}
    concepts: dict[str, Concept] = {}
    for index, piece in enumerate(pieces):
        tokens = [t for t in segment(piece, vocab) if t not in STOPWORDS]
        for token in tokens:
            weight = 1.0
            if len(token) == 1:
                weight = SINGLE_CHAR_WEIGHT
            elif any(token != other and token in other for other in tokens):
                # A part of a compound also in the query (专精 of 专精特新) is partial evidence.
                weight = PART_WEIGHT
            terms[token] = max(weight, terms.get(token, 0.0))
            if index == 0 and token not in concepts:
                alternatives = {token}
                for term, expansion in used_synonyms:
                    # 晚点 of the synonym 晚点交税, or 热线电话 around the synonym 热线.
                    if token in term or term in token:
                        alternatives.update(expansion)
                concepts[token] = Concept(token, weight, frozenset(alternatives))
    if len(terms) > MAX_TERMS:
        # Keep the longest (most specific) terms of an overlong query.
        keep = sorted(terms, key=lambda t: (-len(t), t))[:MAX_TERMS]
        terms = {t: terms[t] for t in keep}
    referenced = None
    match = _NUMBER_INSIDE.search(text)
    if match:
        referenced = chinese_number(match.group(1))
    highlight = sorted((t for t in terms if len(t) >= 2), key=lambda t: (-len(t), t))
    kept = sorted(concepts.values(), key=lambda c: (-len(c.word), c.word))[:MAX_TERMS]
    return ParsedQuery(text, terms, highlight, referenced, kept)
