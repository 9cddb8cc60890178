"""Number formatting for reasons and estimate bases: ``150万元``, ``2.5%``, never ``1E+2``."""

from __future__ import annotations

from decimal import Decimal


def to_decimal(value: int | float | Decimal) -> Decimal:
    """Convert a JSON number to Decimal as a person wrote it (0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


_NUMBER_TEXT: dict[Decimal, str] = {}


def number(value: int | float | Decimal) -> str:
    """Render a number without exponent or trailing zeros: 32.5, 100, -40."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, Decimal):
        # Parameters and limits recur in every screening; their text is worth remembering.
        text = _NUMBER_TEXT.get(value)
        if text is None:
            if len(_NUMBER_TEXT) > 4096:
                _NUMBER_TEXT.clear()
            text = _NUMBER_TEXT[value] = _decimal_text(value)
        return text
    return _decimal_text(to_decimal(value))


def _decimal_text(d: Decimal) -> str:
    return "0" if d == 0 else format(d.normalize(), "f")


def percent(ratio: int | float | Decimal) -> str:
    """Render a ratio as a percentage: 0.025 -> 2.5%."""
    return f"{number(to_decimal(ratio) * 100)}%"


def wan(value: int | float | Decimal) -> str:
    """Render an amount in 万元: 150 -> 150万元."""
    return f"{number(value)}万元"


def join_or(items: list[str]) -> str:
    """Join alternatives the Chinese way: A、B或C."""
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + "或" + items[-1]


# Comparison operator -> (phrase when the value meets it, when it does not, as a requirement).
OP_PHRASES: dict[str, tuple[str, str, str]] = {
    ">=": ("不低于", "低于", "不低于"),
    ">": ("大于", "不大于", "大于"),
    "<=": ("不超过", "超过", "不超过"),
    "<": ("低于", "不低于", "低于"),
}
DATE_OP_PHRASES: dict[str, tuple[str, str, str]] = {
    ">=": ("不早于", "早于", "不早于"),
    ">": ("晚于", "不晚于", "晚于"),
    "<=": ("不晚于", "晚于", "不晚于"),
    "<": ("早于", "不早于", "早于"),
}


def amount(value: int | float | Decimal, unit: str) -> str:
    """A figure with its unit; a bare 0 reads better without one ("大于0")."""
    if unit and unit != "%" and value == 0:
        return "0"
    return f"{number(value)}{unit}"
