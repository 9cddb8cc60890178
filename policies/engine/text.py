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


def number(value: int | float | Decimal) -> str:
    """Render a number without exponent or trailing zeros: 32.5, 100, -40."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    d = to_decimal(value)
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    return text


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
    if unit and unit != "%" and to_decimal(value) == 0:
        return "0"
    return f"{number(value)}{unit}"
