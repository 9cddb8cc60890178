"""Responsible units: read them from a measure's parenthesis, match them to known units."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# The forms 公文 use to name who carries a measure out, at the end of the measure:
#   (责任单位:省工信厅、省财政厅)   (省发展改革委牵头负责)   (省工信厅、省财政厅按职责分工负责)
#   (省工信厅牵头,省财政厅、省税务局配合)
UNIT_LABEL = re.compile(r"^(?:责任单位|牵头单位|责任部门|负责单位)[::]")
UNIT_SUFFIX = re.compile(r"(?:按职责分工负责|按职责分工落实|分别负责|牵头负责|负责)$")
SEPARATORS = re.compile(r"[、,,;;]|会同|及(?=省)")
ROLE_WORDS = re.compile(r"(?:牵头|配合|参与|协助|按职责分工负责|负责)$")


def unit_parenthesis_content(inner: str) -> str | None:
    """The unit list inside a parenthesis, or None if the parenthesis is not a unit parenthesis."""
    if UNIT_LABEL.match(inner):
        return UNIT_LABEL.sub("", inner, count=1)
    if UNIT_SUFFIX.search(inner) or re.search(r"牵头[,,].+(?:配合|参与)$", inner):
        return inner
    return None


def split_units(content: str) -> list[str]:
    """Unit names in the order written. "省工信厅会同省有关单位" names two parties, the lead and its partners."""
    content = UNIT_SUFFIX.sub("", content)
    names: list[str] = []
    for part in SEPARATORS.split(content):
        name = part.strip()
        while ROLE_WORDS.search(name):
            name = ROLE_WORDS.sub("", name)
        if name and name not in names:
            names.append(name)
    return names


@dataclass(frozen=True)
class KnownUnit:
    name: str
    full_name: str = ""
    aliases: tuple[str, ...] = field(default=())

    def spellings(self) -> set[str]:
        """Every way a document may write this unit: its name, full name, declared aliases, and the
        full name with the province written "省" (山西省工业和信息化厅 → 省工业和信息化厅)."""
        forms = {self.name, *self.aliases}
        if self.full_name:
            forms.add(self.full_name)
            province = re.match(r"^[\u4e00-\u9fff]{2,3}?省(?=[\u4e00-\u9fff]{2,})", self.full_name)
            if province:
                forms.add("省" + self.full_name[province.end() :])
        return {form for form in forms if form}


@dataclass(frozen=True)
class UnitMatch:
    written: str
    unit: str | None  # the known unit's name, None when it is a proposed new unit
    how: str  # "exact", "alias" or "new"


def match_units(names: Iterable[str], known: Iterable[KnownUnit]) -> list[UnitMatch]:
    by_spelling: dict[str, str] = {}
    exact = set()
    for unit in known:
        exact.add(unit.name)
        for form in unit.spellings():
            by_spelling.setdefault(form, unit.name)
    matches = []
    for name in names:
        if name in exact:
            matches.append(UnitMatch(name, name, "exact"))
        elif name in by_spelling:
            matches.append(UnitMatch(name, by_spelling[name], "alias"))
        else:
            matches.append(UnitMatch(name, None, "new"))
    return matches
