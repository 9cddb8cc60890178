"""Models of the policies app, split by concept: the catalogue and the eligibility rules."""

from .catalogue import (
    Category,
    Deadline,
    Industry,
    Measure,
    MeasureContent,
    MeasureUnit,
    Official,
    PolicyDocument,
    ResponsibleUnit,
)

__all__ = [
    "Category",
    "Deadline",
    "Industry",
    "Measure",
    "MeasureContent",
    "MeasureUnit",
    "Official",
    "PolicyDocument",
    "ResponsibleUnit",
]
