"""Impact preview: which golden cases and saved profiles a rule change would move.

Before an official publishes a measure draft, every golden case and every distinct profile
saved with a receipt is screened for the draft's measure twice, with the published rules and
with the draft's, each on the profile's own evaluation date. A change of status is a gain (now
eligible), a loss (no longer eligible) or another change (e.g. eligible → needs_info is a loss,
needs_info → ineligible is "other").

Saved profiles run to the hundred thousand, and the preview must answer while an official
types, so it does not screen each one: it loads per distinct profile only the fields the
compared measures read (``status_fields``), maps each figure to its position among the
thresholds the rules compare it with (``status_buckets``), and screens one profile per distinct
combination of those buckets and of the dated rule data in force (``day_signature``). A combination that changes
a status is then checked against the whole profile, since a profile the contract no longer
accepts is not compared. The answer is the one screening every profile would give. Above
``sample`` distinct profiles (the builder's live preview) an evenly spread sample is screened
and the counts are scaled up, labelled as an estimate with its sample size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
from django.apps import apps
from django.db import connection
from django.db.models import Model

from .engine import (
    Buckets,
    ProfileError,
    RuleSet,
    status_buckets,
    status_fields,
    validate_profile,
)
from .models import GoldenCase
from .screening import StatusChange, changes_for, changes_of

MAX_EXAMPLES = 20


class ProfileGroup(NamedTuple):
    """One distinct saved profile, reduced to the fields a comparison reads."""

    first_id: int  # the earliest receipt with this profile (to fetch the whole profile if needed)
    count: int  # receipts sharing the profile
    token: Any  # (a UUID) the latest of them, which stands for the others
    as_of: Any  # the profile's raw ``as_of`` (None if absent)
    values: str  # JSON array of the chosen fields' raw values, null where absent


def receipts() -> type[Model]:
    """The saved profiles: the self-check receipts (``enterprises.Receipt``, whose queryset's
    ``profile_groups`` yields ``ProfileGroup``s). Looked up in the app registry, as auth's user
    model is, because the enterprises app builds on this one: importing it would make a circle."""
    return apps.get_model("enterprises", "Receipt")


def read_fields(
    before: RuleSet, after: RuleSet, measures: Iterable[int], document: str | None = None
) -> list[str]:
    """The profile fields the measures' statuses can read under either rule set."""
    found: set[str] = set()
    for ruleset in (before, after):
        for number in measures:
            try:
                rule = ruleset.measure(number, document)
            except KeyError:
                continue
            found |= status_fields(rule, ruleset)
    return sorted(found)


@dataclass
class CaseImpact:
    case: GoldenCase
    changes: list[StatusChange]
    expected: dict[int, str]

    def broken(self) -> list[StatusChange]:
        """Changes that move a golden case away from what officials expect of it."""
        return [c for c in self.changes if self.expected.get(c.measure) not in (None, c.after)]


@dataclass
class ProfileImpact:
    profiles: int = 0
    receipts: int = 0
    gains: int = 0
    losses: int = 0
    others: int = 0
    changed_profiles: int = 0
    examples: list[tuple[str, list[StatusChange]]] = field(default_factory=list)  # (receipt token, changes)
    # An estimate (估算): only ``sampled`` of the ``profiles`` distinct profiles were screened and
    # gains, losses, others and changed_profiles are scaled up from them; 0 when every one was.
    sampled: int = 0
    screened: int = 0  # distinct combinations of the read fields actually screened (for the bench)

    @property
    def estimated(self) -> bool:
        return self.sampled > 0

    @property
    def changed(self) -> int:
        return self.gains + self.losses + self.others


@dataclass
class Impact:
    measures: list[int]
    cases: list[CaseImpact]
    profiles: ProfileImpact

    @property
    def changed_cases(self) -> list[CaseImpact]:
        return [c for c in self.cases if c.changes]


def preview(
    before: RuleSet,
    after: RuleSet,
    measures: list[int],
    document: str | None = None,
    *,
    sample: int | None = None,
) -> Impact:
    """Screen golden cases and saved profiles for ``measures`` (of ``document``) with both rule sets.

    With ``sample``, more distinct profiles than that are estimated from about ``sample`` of
    them, spread evenly over the order they were saved in (see ``ProfileImpact.sampled``).
    """
    cases = [
        CaseImpact(
            case, changes_for(case.profile, before, after, measures, document), case.expected_statuses()
        )
        for case in GoldenCase.objects.all()
    ]
    return Impact(measures, cases, profile_impact(before, after, measures, document, sample=sample))


def profile_impact(
    before: RuleSet,
    after: RuleSet,
    measures: list[int],
    document: str | None = None,
    *,
    sample: int | None = None,
) -> ProfileImpact:
    """The saved profiles' part of the preview (see the module's docstring for how)."""
    fields = read_fields(before, after, measures, document)
    buckets = status_buckets(fields, _rules(before, after, measures, document), (before, after))
    groups, parsed = _groups(fields)
    stats = ProfileImpact(profiles=len(groups), receipts=sum(g.count for g in groups))
    if sample is not None and len(groups) > sample:
        step = len(groups) / sample
        picked = [int(i * step) for i in range(sample)]
        groups, parsed = [groups[i] for i in picked], [parsed[i] for i in picked]
        stats.sampled = len(groups)
    # raw as_of -> a small number per distinct signature of the rule data in force that day
    # (numbered because the signatures are long tuples, and tuples do not cache their hash)
    days: dict[Any, int] = {}
    signatures: dict[Any, int] = {}
    found: dict[tuple[Any, Any], list[StatusChange]] = {}
    screened = 0
    changed: list[tuple[Any, list[StatusChange]]] = []
    for group, values in zip(groups, parsed):
        raw_day = group.as_of  # None: the screening day is today, as validation makes it
        day = days.get(raw_day)
        if day is None:
            day = days[raw_day] = signatures.setdefault(
                _day_key(raw_day, before, after, buckets), len(signatures)
            )
        # Profiles in the same threshold buckets on days with the same rule data get the same
        # statuses (policies.engine.buckets): one of them is screened for all.
        key = (day, buckets.key(values))
        changes: list[StatusChange] | None
        try:
            changes = found[key]
        except KeyError:
            changes = _screen_fields(fields, group, before, after, measures, document)
            screened += 1
            if changes is not None:  # a representative with invalid fields stands for no one
                found[key] = changes
        if changes:
            changed.append((group, changes))
    valid = _still_valid([g for g, _ in changed])
    for group, changes in changed:
        if group.token not in valid:
            continue
        stats.changed_profiles += 1
        for change in changes:
            counter = _COUNTER[change.direction]
            setattr(stats, counter, getattr(stats, counter) + group.count)
        if len(stats.examples) < MAX_EXAMPLES:
            stats.examples.append((group.token, changes))
    stats.screened = screened
    if stats.sampled:
        counted_receipts = sum(g.count for g in groups)
        scale = stats.receipts / counted_receipts
        stats.gains, stats.losses, stats.others = (
            round(n * scale) for n in (stats.gains, stats.losses, stats.others)
        )
        stats.changed_profiles = round(stats.changed_profiles * stats.profiles / stats.sampled)
    return stats


# The saved profiles' groups per list of read fields, with their values decoded, kept while
# the receipts table is unchanged (same count and latest receipt: receipts are only added, or
# deleted with an account): the live preview asks again at every change the official makes.
_GROUPS: dict[tuple[str, ...], tuple[Any, list[ProfileGroup], list[list[Any]]]] = {}


def _groups(fields: list[str]) -> tuple[list[ProfileGroup], list[list[Any]]]:
    manager = receipts()._default_manager
    # The latest token too: random, so a rolled-back insert whose id is reused (SQLite) differs.
    latest = manager.order_by("-id").values_list("id", "token").first()
    stamp = (connection.settings_dict.get("NAME"), manager.count(), latest)
    found = _GROUPS.get(tuple(fields))
    if found is not None and found[0] == stamp:
        return found[1], found[2]
    groups = list(manager.profile_groups(fields))
    parsed = [orjson.loads(g.values) for g in groups]
    if len(_GROUPS) >= 8:
        _GROUPS.clear()
    _GROUPS[tuple(fields)] = (stamp, groups, parsed)
    return groups, parsed


def _rules(before: RuleSet, after: RuleSet, measures: Iterable[int], document: str | None) -> list[Any]:
    found = []
    for ruleset in (before, after):
        for number in measures:
            try:
                found.append(ruleset.measure(number, document))
            except KeyError:
                continue
    return found


def _day_key(raw_day: Any, before: RuleSet, after: RuleSet, buckets: Buckets) -> Any:
    """Days whose parameters and size tables (those the measures read) agree in both rule sets
    share one key."""
    try:
        day = validate_profile({} if raw_day is None else {"as_of": raw_day}).as_of
    except ProfileError:
        return ("invalid", raw_day)  # validation of the whole sub-profile will say so
    return buckets.day_key(before, day), buckets.day_key(after, day)


def _screen_fields(
    fields: list[str],
    group: ProfileGroup,
    before: RuleSet,
    after: RuleSet,
    measures: list[int],
    document: str | None,
) -> list[StatusChange] | None:
    """The changes for a profile that has only the read fields (statuses read nothing else)."""
    partial = {name: value for name, value in zip(fields, orjson.loads(group.values)) if value is not None}
    if group.as_of is not None:
        partial["as_of"] = group.as_of
    try:
        valid = validate_profile(partial)
    except ProfileError:
        return None
    return changes_of(valid, before, after, measures, document)


# Receipt token -> whether its whole profile passes validation (tokens, not ids: random, so never
# reused, where a rolled-back SQLite id can be). Receipts are never edited (the
# admin is read-only, a profile is written once by save_receipt) and the contract only changes
# with the code, so the answer holds for the life of the process; the live preview, asked again
# at every keystroke, then validates each changed profile once instead of every time.
_VALID: dict[Any, bool] = {}
_VALID_LIMIT = 1_000_000


def _still_valid(groups: list[ProfileGroup]) -> set[Any]:
    """Of these groups, the tokens of those whose whole profile the contract still accepts (the
    read fields were valid; another field may not be, and such a profile is not compared).

    Receipts up to the checked mark are answered from the stored check (``receipt_checks``;
    a group's receipts share one profile, so its first id answers for all); only later ones
    are validated here."""
    from .receipt_checks import checked

    upto, rejected = checked()
    known = {g.token for g in groups if g.first_id <= upto and g.first_id not in rejected}
    groups = [g for g in groups if g.first_id > upto]
    unknown = {g.first_id: g.token for g in groups if g.token not in _VALID}
    if len(_VALID) + len(unknown) > _VALID_LIMIT:
        _VALID.clear()
    ids = list(unknown)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for pk, profile in receipts()._default_manager.filter(id__in=chunk).values_list("id", "profile"):
            try:
                validate_profile(profile)
            except ProfileError:
                _VALID[unknown[pk]] = False
            else:
                _VALID[unknown[pk]] = True
    return known | {g.token for g in groups if _VALID.get(g.token)}


_COUNTER = {"gain": "gains", "loss": "losses", "other": "others"}
