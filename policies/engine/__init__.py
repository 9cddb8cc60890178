"""The eligibility engine: a Django-free package that screens an enterprise profile.

Inputs are plain data: a validated ``Profile`` (``validate_profile``) and a ``RuleSet``
(``build_ruleset`` from rule data: measures with JSON conditions and estimate formulas, dated
parameters, dated size standards). ``screen`` returns a ``Screening`` with, per measure, the
status (eligible / ineligible / needs_info / informational), one reason per condition, the
fields still missing, an estimate with its basis in words, the applicable deadlines and the
quoted source sentence. The condition language is described in ``conditions``, the estimate
language in ``formulas``, the size tables in ``sizes``; the sentences (reasons, a condition
as a requirement) are built in ``explain``.

For bulk comparisons (impact previews) ``statuses`` screens chosen measures only, and
``status_fields`` / ``day_signature`` say what a measure's status can depend on.

The package never imports Django; the policies app loads its rule rows into a RuleSet.
"""

from .bulk import day_signature, status_fields, statuses
from .conditions import Condition, Schema, compile_condition
from .dated import valid_on
from .errors import EngineError, ErrorCollector, ProfileError, RuleError
from .evaluate import (
    ELIGIBLE,
    INELIGIBLE,
    INFORMATIONAL,
    NEEDS_INFO,
    STATUS_LABELS,
    DeadlineResult,
    MeasureResult,
    Reason,
    Screening,
    open_fields,
    screen,
)
from .formulas import Estimate, EstimateSpec
from .profile import EQUIPMENT_FIELDS, PROFILE_FIELDS, Equipment, Profile, validate_profile
from .rules import Deadline, MeasureRule, Parameter, RuleSet, build_ruleset
from .sizes import TIER_LABELS, SizeStandard

__all__ = [
    "ELIGIBLE",
    "EQUIPMENT_FIELDS",
    "INELIGIBLE",
    "INFORMATIONAL",
    "NEEDS_INFO",
    "PROFILE_FIELDS",
    "STATUS_LABELS",
    "TIER_LABELS",
    "Condition",
    "Deadline",
    "DeadlineResult",
    "EngineError",
    "ErrorCollector",
    "Equipment",
    "Estimate",
    "EstimateSpec",
    "MeasureResult",
    "MeasureRule",
    "Parameter",
    "Profile",
    "ProfileError",
    "Reason",
    "RuleError",
    "RuleSet",
    "Schema",
    "Screening",
    "SizeStandard",
    "build_ruleset",
    "compile_condition",
    "day_signature",
    "open_fields",
    "screen",
    "status_fields",
    "statuses",
    "valid_on",
    "validate_profile",
]
