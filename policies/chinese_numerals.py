"""Chinese numerals as policy texts and callers write them: 十二, 七十, 一百零五, 两千.

Plain Python (no Django): the importer, the rule suggester and the hotline search read measure
numbers, dates and figures with it.
"""

from __future__ import annotations

CN_DIGITS = {
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
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int | None:
    """十二 → 12, 二十 → 20, 一百零三 → 103, 两千 → 2000 (and ASCII digits); None if not a number."""
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def digit_by_digit(text: str) -> int | None:
    """二〇二二 → 2022 (a year, read one numeral at a time); None if not all numerals are digits."""
    if not text or any(ch not in CN_DIGITS for ch in text):
        return None
    return int("".join(str(CN_DIGITS[ch]) for ch in text))
