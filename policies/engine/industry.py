"""GB/T 4754-2017 industry codes: validation and prefix matching with partly known codes.

A profile's code may stop at the section (``"C"``) while a rule names a division (``"C16"``).
The engine then answers only what every more specific code would answer alike; otherwise the
answer is unknown. Divisions are enumerated here so that ``"F"`` is known to be either ``F51``
or ``F52`` and nothing else; groups and classes are not enumerated, so a division code is always
treated as possibly containing any group a rule names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CODE_RE = re.compile(r"^[A-T](\d{2}(\d{1,2})?)?$")

# Section letter -> (first division, last division, name). The divisions of each section are
# numbered consecutively in GB/T 4754-2017.
SECTIONS: dict[str, tuple[int, int, str]] = {
    "A": (1, 5, "农、林、牧、渔业"),
    "B": (6, 12, "采矿业"),
    "C": (13, 43, "制造业"),
    "D": (44, 46, "电力、热力、燃气及水生产和供应业"),
    "E": (47, 50, "建筑业"),
    "F": (51, 52, "批发和零售业"),
    "G": (53, 60, "交通运输、仓储和邮政业"),
    "H": (61, 62, "住宿和餐饮业"),
    "I": (63, 65, "信息传输、软件和信息技术服务业"),
    "J": (66, 69, "金融业"),
    "K": (70, 70, "房地产业"),
    "L": (71, 72, "租赁和商务服务业"),
    "M": (73, 75, "科学研究和技术服务业"),
    "N": (76, 79, "水利、环境和公共设施管理业"),
    "O": (80, 82, "居民服务、修理和其他服务业"),
    "P": (83, 83, "教育"),
    "Q": (84, 85, "卫生和社会工作"),
    "R": (86, 90, "文化、体育和娱乐业"),
    "S": (91, 96, "公共管理、社会保障和社会组织"),
    "T": (97, 97, "国际组织"),
}


def divisions(section: str) -> tuple[str, ...]:
    """Return the division codes of a section, e.g. ``("F51", "F52")``."""
    first, last, _ = SECTIONS[section]
    return tuple(f"{section}{n:02d}" for n in range(first, last + 1))


def code_problem(code: str) -> str | None:
    """Return a Chinese explanation of what is wrong with an industry code, or None if it is valid."""
    if not CODE_RE.match(code):
        return "行业代码应为门类字母(A–T)加可选的2至4位数字,例如C、C36、K701"
    if len(code) >= 3:
        first, last, name = SECTIONS[code[0]]
        if not first <= int(code[1:3]) <= last:
            return (
                f"{code[:3]}不是国民经济行业分类(GB/T 4754-2017)“{name}”门类的大类,"
                f"该门类的大类为{code[0]}{first:02d}至{code[0]}{last:02d}"
            )
    return None


def section_name(code: str) -> str:
    return SECTIONS[code[0]][2]


def _leaves(code: str) -> tuple[str, ...]:
    """The most specific codes the engine can tell apart below ``code``."""
    return divisions(code) if len(code) == 1 else (code,)


def membership(code: str | None, prefixes: Iterable[str]) -> bool | None:
    """Whether ``code`` lies under any of ``prefixes``; None when its missing digits decide it."""
    if code is None:
        return None
    prefixes = tuple(prefixes)
    seen_true = seen_false = False
    for leaf in _leaves(code):
        if any(leaf.startswith(p) for p in prefixes):
            seen_true = True
        elif any(p.startswith(leaf) for p in prefixes):
            return None
        else:
            seen_false = True
        if seen_true and seen_false:
            return None
    return seen_true


def candidate_rows(code: str | None, row_codes: tuple[tuple[str, ...], ...]) -> tuple[int, ...]:
    """Indexes of the rows that may apply to ``code``: the most specific matching row wins.

    A row with no codes is the catch-all ("everything else"). With an unknown code every row may
    apply; with a partial code every row below it may, plus the row that covers the rest.
    """
    if code is None:
        return tuple(range(len(row_codes)))
    found: set[int] = set()
    for leaf in _leaves(code):
        found.add(_best_row(leaf, row_codes))
        deeper = [
            i for i, codes in enumerate(row_codes) if any(c.startswith(leaf) and c != leaf for c in codes)
        ]
        found.update(deeper)
    return tuple(sorted(found))


def _best_row(code: str, row_codes: tuple[tuple[str, ...], ...]) -> int:
    best, best_len = -1, -1
    for i, codes in enumerate(row_codes):
        if not codes:
            if best_len < 0:
                best, best_len = i, 0
            continue
        for c in codes:
            if code.startswith(c) and len(c) > best_len:
                best, best_len = i, len(c)
    return best
