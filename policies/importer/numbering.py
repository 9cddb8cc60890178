"""Find the document's own numbering: 1. / 一、 / (一) / 第一条 / (1) …, nested in any order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policies.chinese_numerals import chinese_number

CN_NUMERAL = "零〇一二三四五六七八九十百"


CN = f"[{CN_NUMERAL}]{{1,5}}"
# Each style: a marker at the start of a line; "(一)" may use either width of parenthesis. "1."
# may be followed by a digit ("5.2022年至2024年…" is measure 5), so a decimal such as "1.5倍" at
# the start of a line is told apart only by the sequence check in find_outline.
STYLES: dict[str, re.Pattern[str]] = {
    "chapter": re.compile(rf"^第({CN})章\s*"),
    "article": re.compile(rf"^第({CN})条\s*"),
    "cn_comma": re.compile(rf"^({CN})、\s*"),
    "cn_paren": re.compile(rf"^[((]({CN})[))]\s*"),
    "arabic_dot": re.compile(r"^(\d{1,3})[.．]\s*"),
    "arabic_comma": re.compile(r"^(\d{1,3})、\s*"),
    "arabic_paren": re.compile(r"^[((](\d{1,3})[))]\s*"),
}


@dataclass(frozen=True)
class Marker:
    line: int
    style: str
    value: int
    label: str  # the marker as written, e.g. "(三)"


def marker_at(line: str, index: int) -> Marker | None:
    stripped = line.strip()
    for style, pattern in STYLES.items():
        match = pattern.match(stripped)
        if match:
            raw = match.group(1)
            value = int(raw) if raw.isdigit() else chinese_number(raw)
            if value:
                return Marker(index, style, value, match.group(0).strip())
    return None


@dataclass(frozen=True)
class Outline:
    """The accepted markers: `levels` from outermost to innermost, `measure_style` the level of the
    measures (the most numerous), the rest section headings (outer) or sub-items (inner)."""

    levels: list[str]
    markers: list[Marker]
    measure_style: str | None
    skipped: list[tuple[Marker, int]] = field(default_factory=list)  # (marker after a gap, value before)

    def boundaries(self) -> list[Marker]:
        """Markers that start a measure or a section heading; inner sub-items stay inside measures."""
        if self.measure_style is None:
            return []
        depth = self.levels.index(self.measure_style)
        outer = set(self.levels[: depth + 1])
        return [m for m in self.markers if m.style in outer]


def find_outline(lines: list[str]) -> Outline:
    """Accept markers that continue their level's sequence (or restart it after an outer marker).

    Levels are nested in the order in which their first item (value 1) appears, as 公文 do (一、
    holds (一), which holds 1.). A marker that breaks its sequence is ordinary text, e.g. a line
    a PDF happened to break before "2022年" or "5." in the middle of a sentence.
    """
    candidates = [m for i, line in enumerate(lines) if (m := marker_at(line, i))]
    levels: list[str] = []
    for marker in candidates:
        if marker.value == 1 and marker.style not in levels:
            levels.append(marker.style)
    last: dict[str, int] = dict.fromkeys(levels, 0)
    may_restart: dict[str, bool] = dict.fromkeys(levels, False)
    accepted: list[Marker] = []
    skipped: list[tuple[Marker, int]] = []
    for position, marker in enumerate(candidates):
        if marker.style not in last:
            continue
        expected = marker.value == last[marker.style] + 1
        restart = marker.value == 1 and may_restart[marker.style]
        # A number the document skipped (12. then 14.) would otherwise end the sequence and merge
        # everything after it into one item: take the jump when the next item of the style
        # continues from it, and report it.
        gap = (
            last[marker.style] + 1 < marker.value <= last[marker.style] + 3
            and next((m.value for m in candidates[position + 1 :] if m.style == marker.style), None)
            == marker.value + 1
        )
        if not (expected or restart or gap):
            continue
        if gap and not expected:
            skipped.append((marker, last[marker.style]))
        accepted.append(marker)
        last[marker.style] = marker.value
        may_restart[marker.style] = False
        for inner in levels[levels.index(marker.style) + 1 :]:
            may_restart[inner] = True
    counts = {style: sum(m.style == style for m in accepted) for style in levels}
    # The measures are the most numerous level; on a tie the inner one (sections hold measures).
    measure_style = max(reversed(levels), key=lambda s: counts[s]) if accepted else None
    return Outline(levels, accepted, measure_style, skipped)
