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
``status_fields`` / ``day_signature`` say what a measure's status can depend on, and
``status_buckets`` which profiles are bound to share a status (by their figures' positions among
the thresholds the rules compare them with).

The package never imports Django; the policies app loads its rule rows into a RuleSet.
"""

from .buckets import Buckets, contract_fingerprint, status_buckets
from .bulk import day_signature, status_fields, statuses
from .conditions import Condition, Context, Schema, compile_condition
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
from .formulas import ESTIMATE_KINDS, Estimate, EstimateSpec
from .industry import SECTIONS
from .probe import estimate_failures
from .profile import (
    EARLIEST_DATE,
    EQUIPMENT_FIELDS,
    LATEST_DATE,
    MAX_EQUIPMENT_ITEMS,
    PROFILE_FIELDS,
    Equipment,
    FieldSpec,
    Profile,
    range_message,
    validate_profile,
)
from .rules import (
    Deadline,
    MeasureRule,
    Parameter,
    RuleSet,
    build_ruleset,
    parse_limits,
    parse_param_value,
    size_row,
)
from .sizes import TIER_LABELS, SizeStandard
from .text import percent, wan

__all__ = [
    "Condition",
    "Context",
    "Deadline",
    "DeadlineResult",
    "EARLIEST_DATE",
    "ELIGIBLE",
    "Buckets",
    "EQUIPMENT_FIELDS",
    "ESTIMATE_KINDS",
    "EngineError",
    "Equipment",
    "ErrorCollector",
    "Estimate",
    "EstimateSpec",
    "FieldSpec",
    "INELIGIBLE",
    "INFORMATIONAL",
    "LATEST_DATE",
    "MAX_EQUIPMENT_ITEMS",
    "MeasureResult",
    "MeasureRule",
    "NEEDS_INFO",
    "PROFILE_FIELDS",
    "Parameter",
    "Profile",
    "ProfileError",
    "Reason",
    "RuleError",
    "RuleSet",
    "SECTIONS",
    "STATUS_LABELS",
    "Schema",
    "Screening",
    "SizeStandard",
    "TIER_LABELS",
    "build_ruleset",
    "compile_condition",
    "contract_fingerprint",
    "day_signature",
    "estimate_failures",
    "open_fields",
    "parse_limits",
    "parse_param_value",
    "percent",
    "range_message",
    "screen",
    "size_row",
    "status_buckets",
    "status_fields",
    "statuses",
    "valid_on",
    "validate_profile",
    "wan",
]
