"""Models of the policies app, split by concept: the catalogue and the eligibility rules."""

from .catalogue import (
    Category,
    Deadline,
    Industry,
    Measure,
    MeasureContent,
    MeasureLink,
    MeasureUnit,
    Official,
    PolicyDocument,
    ResponsibleUnit,
)
from .rules import EligibilityRule, Parameter, SizeRow, SizeStandard

__all__ = [
    "Category",
    "Deadline",
    "EligibilityRule",
    "Industry",
    "Measure",
    "MeasureContent",
    "MeasureLink",
    "MeasureUnit",
    "Official",
    "Parameter",
    "PolicyDocument",
    "ResponsibleUnit",
    "SizeRow",
    "SizeStandard",
]
