"""Validity periods: parameters, size standards and measures are each in force between two days."""

from __future__ import annotations

import datetime


def valid_on(valid_from: datetime.date | None, valid_until: datetime.date | None, day: datetime.date) -> bool:
    """Whether ``day`` lies in the period; an open end (None) reaches as far as time does."""
    return (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until)


class Dated:
    """A mixin for frozen dataclasses with ``valid_from`` and ``valid_until`` fields."""

    __slots__ = ()
    valid_from: datetime.date | None
    valid_until: datetime.date | None

    def valid_on(self, day: datetime.date) -> bool:
        return valid_on(self.valid_from, self.valid_until, day)
