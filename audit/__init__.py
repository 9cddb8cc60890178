"""The audit trail officials read in the admin: sign-ins, failed sign-ins, lockouts, hotline look-ups.

Call sites write one line: `audit.record(request, audit.HOTLINE_LOOKUP, {"measure": 12})`.
Changes made in the admin are not copied here: Django's admin log and each model's
simple-history table already hold them, and the audit admin links to both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import AuditEntry

# Action codes (the model's choices give their Chinese names).
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOCKED_OUT = "locked_out"
LOGOUT = "logout"
HOTLINE_SEARCH = "hotline_search"
HOTLINE_LOOKUP = "hotline_lookup"
CALLER_CHECK = "caller_check"


def record(
    request: HttpRequest | None, action: str, detail: dict[str, Any] | None = None, **who: Any
) -> AuditEntry:
    """Append one entry (``AuditEntryQuerySet.record``: ``user=``, ``username=`` name who acted;
    the acting account defaults to the request's signed-in user)."""
    from .models import AuditEntry

    return AuditEntry.objects.record(request, action, detail, **who)
