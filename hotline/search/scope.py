"""Scope: does a ranked measure answer the caller's question, or is it only the nearest thing?

Ranking finds the measures sharing most words with a question; a question the plan does not cover
(身份证丢了怎么补办, 今天天气怎么样) still shares a word or two with some measure. Contract 1.1 puts
only answering measures in `results` and the rest in `related`. The decision is made from the
question's own words (`ParsedQuery.concepts`, synonyms resolved) and the index, never from a list
of questions:

- Each word weighs base × idf, as in ranking. A word no published measure contains (nor any of its
  synonyms' policy terms) is *unknown*. An unknown word of two or more characters that jieba's
  general lexicon knows names a topic the plan does not treat (身份证, 户口, 今天, 年检) and keeps
  its full weight, or `VERB_WEIGHT` of it for a verb (离婚, 提取, 包括: a verb says less about the
  topic than a noun). Other unknown words weigh `CHATTER_WEIGHT` of it: single characters (领, 拿,
  交), words jieba does not know and only guessed from the characters (能领, 还不上, 能多扣), and
  function words (adverbs, numerals, pronouns …). They are how callers talk, not what they ask.
  A word of the officials' policy dictionary always keeps its full weight. An unknown compound made
  entirely of known words of the question (链主企业 = 链主 + 企业) is left out: its parts count.
- The question is in scope when the words the plan knows carry at least `MIN_QUERY_COVERAGE` of
  the weight, and a measure answers it when the words it contains carry at least
  `MIN_MEASURE_COVERAGE`.
- A measure named by number answers; a fuzzy (typo) match answers when its score reaches
  `FUZZY_MIN_SCORE`.

The thresholds are `settings.SEARCH_SCOPE` (declared there with their defaults, each one also an
environment variable `SEARCH_<KEY>`), so they can be tuned without a release of this module.
`bench/search_scope.py` measures their effect.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings

from .text import ParsedQuery

# jieba part-of-speech tags of function words: adverb, conjunction, preposition, particle, pronoun,
# numeral, measure word, direction, modal, interjection, onomatopoeia, adjective, status word.
_FUNCTION_TAG_PREFIXES = ("d", "c", "p", "u", "r", "m", "q", "f", "y", "e", "o", "a", "z")


def option(name: str) -> float:
    return float(settings.SEARCH_SCOPE[name])


@functools.cache
def _lexicon_tags() -> dict[str, str]:
    # Loading jieba's tagged lexicon takes about a second; only scope decisions need it.
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab


def unknown_word_factor(word: str) -> float:
    """How much of its weight a word no measure contains keeps (see the module docstring)."""
    tag = _lexicon_tags().get(word)
    if len(word) < 2 or not tag or tag.startswith(_FUNCTION_TAG_PREFIXES):
        return option("CHATTER_WEIGHT")
    if tag.startswith("v") and tag != "vn":
        return option("VERB_WEIGHT")
    return 1.0


@dataclass
class Scope:
    """The weighted words of one question: (alternatives, weight, known to the plan)."""

    words: list[tuple[frozenset[str], float, bool]]

    @property
    def total(self) -> float:
        return sum(w for _, w, _ in self.words)

    def query_coverage(self) -> float:
        """Share of the question's weight carried by words some measure contains."""
        total = self.total
        return sum(w for _, w, known in self.words if known) / total if total else 0.0

    def coverage(self, tokens: set[str]) -> float:
        """Share of the question's weight carried by the words (of all alternatives) a measure contains."""
        total = self.total
        return sum(w for alts, w, _ in self.words if alts & tokens) / total if total else 0.0

    def in_scope(self) -> bool:
        return bool(self.words) and self.query_coverage() >= option("MIN_QUERY_COVERAGE")

    def answered_by(self, tokens: set[str]) -> bool:
        return self.in_scope() and self.coverage(tokens) >= option("MIN_MEASURE_COVERAGE")


def assess(
    parsed: ParsedQuery, df: dict[str, int], n_docs: int, policy_words: frozenset[str] = frozenset()
) -> Scope:
    """Weigh the question's own words against the index statistics (`df` over `n_docs` measures).

    `policy_words` is the officials' dictionary: a word they listed is a meaningful term even when
    jieba's general lexicon does not know it (失业金, which no measure offers).
    """
    from .ranking import idf

    known_words = {c.word for c in parsed.concepts if any(df.get(w, 0) > 0 for w in c.alternatives)}
    words = []
    for concept in parsed.concepts:
        seen = [df.get(w, 0) for w in concept.alternatives if df.get(w, 0) > 0]
        known = bool(seen)
        if not known and _made_of_known_parts(concept.word, known_words):
            # 链主企业 (the documents write 链主"企业) is 链主 + 企业: its parts carry its meaning.
            continue
        # A known word weighs like its rarest form; an unknown one as if one measure had it.
        weight = concept.base * idf(min(seen) if known else 1, max(n_docs, 1))
        if not known and concept.word not in policy_words:
            weight *= unknown_word_factor(concept.word)
        words.append((concept.alternatives, weight, known))
    return Scope(words)


def _made_of_known_parts(word: str, known_words: set[str]) -> bool:
    """Whether known shorter words of the question cover every character of `word`."""
    covered = [False] * len(word)
    for part in known_words:
        if part != word and part in word:
            start = word.find(part)
            while start != -1:
                covered[start : start + len(part)] = [True] * len(part)
                start = word.find(part, start + 1)
    return len(word) > 1 and all(covered)
