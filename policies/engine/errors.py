"""The engine's own exceptions; the edges (forms, API, admin) turn them into field errors."""

from __future__ import annotations


class EngineError(Exception):
    """A list of ``(field or path, Chinese message)`` problems."""

    def __init__(self, errors: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> None:
        self.errors: tuple[tuple[str, str], ...] = tuple(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors))


class ProfileError(EngineError):
    """An enterprise profile that breaks the API contract; names every bad field."""


class RuleError(EngineError):
    """Rule data (a condition, formula, parameter or size table) that the engine cannot use."""


class EstimateError(EngineError):
    """An estimate formula that compiled but cannot run on a profile (overflow, a value out of
    the range of an amount); the screening contains it to that one measure."""


class ErrorCollector:
    """Collects ``(path, message)`` problems so that one pass over rule data reports them all.

    The builders in ``rules`` add to it instead of raising at the first problem; the admin uses
    it to check one size-table row or to read its limits.
    """

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def __len__(self) -> int:
        return len(self.items)

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def extend(self, exc: EngineError) -> None:
        self.items.extend(exc.errors)
