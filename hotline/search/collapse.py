"""Near-copies: results whose text is the same collapse into one, with the others listed as 另见.

A later document often repeats an earlier measure word for word (a 延续 notice, a city copying the
province). A caller asking about 稳岗返还 wants one answer, not fifty copies of one clause, so
search groups its results by the measure's *text key*: the text in NFKC, lower case, with every
character that is not a letter or digit removed (whitespace, punctuation, full-width or half-width
brackets), hashed. Texts that differ only in spacing or punctuation share a key; any change of
wording gives another one.

Each group is shown once, at the place of its best-ranked member, by its *representative*:

1. a measure in force on the day (today), before one that is not;
2. then the newest document's (latest 发文日期), since a later document is the one a caller
   should be sent to;
3. then, between documents issued the same day, the seed plan's (its addresses are the ones
   printed and linked), then the document added last, then the lower number.

The representative carries the group's best score; the others are listed, in the same order, in
`also_in` (the hotline's and /search/'s "另见:《…》第N条 等N项", the API's `also_in`). A measure named
by number (`12`, `第12条…`) is always shown itself, its copies in `also_in`. Empty texts never
group.

The text keys of all published measures are computed once per index state (every save of a
measure changes it, `state.INDEX`), so a search only looks them up.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from policies.engine import valid_on

if TYPE_CHECKING:
    from policies.models import Measure
    from policies.models.catalogue import MeasureQuerySet

# "另见" names at most this many other measures, then says how many there are in all.
NAMED_OTHERS = 2
_NOT_WORD = re.compile(r"[\W_]+")
_lock = threading.RLock()
_cache: dict[str, Any] = {"signature": None, "keys": None}


def text_key(text: str) -> str:
    """The key two texts share when they differ only in whitespace, punctuation, width or case."""
    normalised = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())
    return hashlib.sha1(normalised.encode()).hexdigest()[:20] if normalised else ""


MEMBER_FIELDS = (
    "pk",
    "number",
    "valid_from",
    "valid_until",
    "document_id",
    "document__number",
    "document__title",
    "document__issued_on",
    "document__legacy_urls",
)


@dataclass(frozen=True)
class Member:
    """What choosing a representative and naming the others needs of one measure."""

    pk: int
    number: int
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    document_id: int
    document_number: str
    document_title: str
    issued_on: datetime.date | None
    seed: bool

    def preference(self, day: datetime.date) -> tuple:
        """Sort key: in force on `day` first, then the newest document, the seed plan on a tie."""
        issued = self.issued_on.toordinal() if self.issued_on else 0
        return (
            not valid_on(self.valid_from, self.valid_until, day),
            -issued,
            not self.seed,
            -self.document_id,
            self.number,
        )

    @property
    def reference(self) -> str:
        return f"《{self.document_title}》第{self.number}条"

    def as_api(self) -> dict[str, Any]:
        return {"measure": self.number, "document": self.document_number}


@dataclass
class Keys:
    """Text keys and exact copies of the published measures, for one state of the index."""

    text_key: dict[int, str] = field(default_factory=dict)  # pk -> text key
    groups: dict[str, list[int]] = field(default_factory=dict)  # text key -> pks, groups of 2 or more
    # Exact copies (same title, summary and text, hence the same index entry and the same score):
    # pk -> the group's smallest pk, for pks in groups of 2 or more. Ranking scores one per group.
    copy_group: dict[int, int] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)  # pk -> Member, for pks in `groups`


def keys(index_signature: str) -> Keys:
    """The text keys and copies of every published measure, rebuilt when the index changes."""
    from policies.models import Measure

    signature = (connection.vendor, connection.alias, index_signature)
    if _cache["signature"] == signature:
        return _cache["keys"]
    with _lock:
        if _cache["signature"] != signature:
            found = Keys()
            groups: dict[str, list[int]] = {}
            copies: dict[tuple[str, str, str], list[int]] = {}
            rows = Measure.objects.published().order_by().values_list("pk", "title", "summary", "text")
            for pk, title, summary, text in rows.iterator(2000):
                copies.setdefault((title, summary, text), []).append(pk)
                key = text_key(text)
                if key:
                    found.text_key[pk] = key
                    groups.setdefault(key, []).append(pk)
            found.groups = {k: v for k, v in groups.items() if len(v) > 1}
            for pks in copies.values():
                if len(pks) > 1:
                    first = min(pks)
                    found.copy_group.update(dict.fromkeys(pks, first))
            grouped = [pk for pks in found.groups.values() for pk in pks]
            for start in range(0, len(grouped), 2000):
                rows = Measure.objects.filter(pk__in=grouped[start : start + 2000]).values_list(
                    *MEMBER_FIELDS
                )
                found.members.update((row[0], Member(*row)) for row in rows)
            _cache.update(signature=signature, keys=found)
        return _cache["keys"]


def _pk_sql(queryset: MeasureQuerySet) -> tuple:
    query, params = queryset.order_by().values("pk").query.sql_with_params()
    return query, tuple(params)


_published_sql: dict[str, tuple] = {}  # connection vendor -> the SQL of all published measures


def all_published(candidates: MeasureQuerySet) -> bool:
    """Whether `candidates` are exactly the published measures (the usual search), by their SQL."""
    from policies.models import Measure

    published = _published_sql.get(connection.vendor)
    if published is None:
        published = _published_sql[connection.vendor] = _pk_sql(Measure.objects.published())
    return _pk_sql(candidates) == published


def candidate_pks(candidates: MeasureQuerySet, pks: set[int], everything: bool | None = None) -> set[int]:
    """Which of `pks` are in `candidates` (one query; none when they are all published)."""
    if everything if everything is not None else all_published(candidates):
        return pks
    if connection.vendor == "postgresql":
        from django.db.models.expressions import RawSQL

        from .ranking import int_array

        within = RawSQL("SELECT unnest(%s::bigint[])", [int_array(sorted(pks))])
        return set(candidates.order_by().filter(pk__in=within).values_list("pk", flat=True))
    return set(candidates.order_by().filter(pk__in=pks).values_list("pk", flat=True))


def collapse(
    rows: list[tuple],
    candidates: MeasureQuerySet,
    index_signature: str,
    day: datetime.date,
    keep: frozenset[int] = frozenset(),
    everything: bool | None = None,
) -> tuple[list[tuple], dict[int, list[Member]]]:
    """Ranked (pk, score, number) rows with one row per text group, and each shown pk's others.

    Rows stay in rank order; a group takes the place and the score of its best-ranked member and
    is shown by its representative (see the module docstring). A pk in `keep` (a measure named by
    number) represents its group itself. `everything`: whether `candidates` are all published
    measures, if the caller knows (`all_published`).
    """
    found = keys(index_signature)
    by_pk, groups = found.text_key, found.groups
    grouped = {pk: by_pk[pk] for pk, *_ in rows if by_pk.get(pk) in groups}
    if not grouped:
        return rows, {}
    allowed = candidate_pks(
        candidates, {pk for key in set(grouped.values()) for pk in groups[key]}, everything
    )
    info = {pk: found.members[pk] for pk in allowed if pk in found.members}
    out: list[tuple] = []
    others: dict[int, list[Member]] = {}
    seen: set[str] = set()
    for pk, score, number in rows:
        key = grouped.get(pk)
        if key is None:
            out.append((pk, score, number))
            continue
        if key in seen:
            continue
        seen.add(key)
        group = sorted((info[m] for m in groups[key] if m in info), key=lambda m: m.preference(day))
        kept = [m for m in group if m.pk in keep]
        shown = kept[0] if kept else group[0] if group else None
        if shown is None:  # not a candidate any more (unpublished since the keys were built)
            out.append((pk, score, number))
            continue
        out.append((shown.pk, score, shown.number))
        rest = [m for m in group if m.pk != shown.pk]
        if rest:
            others[shown.pk] = rest
    return out, others


def also_in_label(others: list[Member]) -> str:
    """另见:《…》第N条、《…》第M条 等K项 (every one named when there are few)."""
    if not others:
        return ""
    if len(others) <= NAMED_OTHERS + 1:
        return "另见:" + "、".join(m.reference for m in others)
    named = "、".join(m.reference for m in others[:NAMED_OTHERS])
    return f"另见:{named} 等{len(others)}项"


def others_of(measure: Measure, day: datetime.date | None = None) -> list[Member]:
    """The other published measures with `measure`'s text, best first (for the answer card)."""
    from .state import signatures

    found = keys(signatures()[1])
    key = found.text_key.get(measure.pk) or text_key(measure.text)
    day = day or timezone.localdate()
    group = [
        found.members[pk] for pk in found.groups.get(key, ()) if pk != measure.pk and pk in found.members
    ]
    return sorted(group, key=lambda m: m.preference(day))
