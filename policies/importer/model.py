"""The importer's result types."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImportWarning:
    """Something the official must look at: a correction applied, or text that could not be read.

    `code` is stable for programs and tests; `message` is shown to officials.
    """

    code: str
    message: str
    measure: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "measure": self.measure, "message": self.message}


@dataclass(frozen=True)
class DocumentHeader:
    number: str = ""
    title: str = ""
    issuer: str = ""
    issued_on: datetime.date | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "title": self.title,
            "issuer": self.issuer,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
        }


@dataclass
class ImportedMeasure:
    number: int  # the document's own number, or the position when its numbering restarts per section
    label: str  # the document's own numbering, e.g. "12." or "二(三)" or "第十二条"
    title: str
    text: str  # without the numbering, with the responsible-unit parenthesis
    units_as_written: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # matched to known units where possible
    section: str = ""  # heading of the enclosing level, e.g. "一、财税支持"

    def as_dict(self) -> dict[str, object]:
        return {"number": self.number, "title": self.title, "text": self.text, "units": list(self.units)}
