"""Models of the policies app, split by concept: the catalogue, the eligibility rules and the golden
cases they are checked against."""

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
from .checks import ReceiptCheck, RuleNewsRun
from .golden import GoldenCase
from .rules import EligibilityRule, Parameter, SizeRow, SizeStandard

__all__ = [
    "Category",
    "Deadline",
    "EligibilityRule",
    "GoldenCase",
    "Industry",
    "Measure",
    "MeasureContent",
    "MeasureLink",
    "MeasureUnit",
    "Official",
    "Parameter",
    "PolicyDocument",
    "ReceiptCheck",
    "ResponsibleUnit",
    "RuleNewsRun",
    "SizeRow",
    "SizeStandard",
]
