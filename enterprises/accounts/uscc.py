"""统一社会信用代码 (unified social credit code) checks per GB 32100-2015.

Layout of the 18 characters: 1 registration authority, 2 entity type, 3–8 administrative
division (digits), 9–17 the organisation code of GB 11714 (8 characters and its own check
character), 18 the check character of the whole code. The code set is the digits and the
capital letters without I, O, Z, S and V (31 characters), and each character's value is its
index in that set.
"""

from __future__ import annotations

import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: index for index, char in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997


class USCCError(ValueError):
    """A code that is not a valid 统一社会信用代码; the message is shown to the user."""


def normalize(raw: str) -> str:
    """Full-width characters to ASCII, spaces and hyphens removed, letters in upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100-2015, 5.2)."""
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_check_character(first8: str) -> str:
    """The 9th character of a GB 11714 organisation code: 11 − Σ mod 11, 10 → X, 11 → 0."""
    total = sum(int(char, 36) * weight for char, weight in zip(first8, ORG_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate(raw: str) -> str:
    """The normalised code, or USCCError with a Chinese message saying what is wrong."""
    code = normalize(raw)
    if not code:
        raise USCCError("请填写统一社会信用代码。")
    if len(code) != 18:
        raise USCCError(f"统一社会信用代码应为18位,您输入了{len(code)}位。")
    for position, char in enumerate(code, start=1):
        if char not in VALUES:
            raise USCCError(
                f"统一社会信用代码第{position}位“{char}”不是有效字符:只能是数字和大写字母(不含I、O、Z、S、V)。"
            )
    if not code[2:8].isdigit():
        raise USCCError("统一社会信用代码第3至8位是登记管理机关行政区划码,只能是数字。")
    if org_check_character(code[8:16]) != code[16]:
        raise USCCError("统一社会信用代码第9至17位(组织机构代码)的校验码不正确,请逐位核对。")
    if check_character(code[:17]) != code[17]:
        raise USCCError("统一社会信用代码的校验码(第18位)不正确,请逐位核对。")
    return code
