"""The eligibility answer of the API contract, shared by the API and `manage.py check_eligibility`.

The API's edge: decode the JSON, validate the profile (its ProfileError becomes the contract's
422 body naming every bad field), screen it against the published rules (through screening.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from . import screening
from .engine import ProfileError
from .models import PolicyDocument

NOT_JSON = '请求体不是有效的JSON,例如:{"industry": "C36", "employees": 120}'


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, even though Python's decoder would accept them.
    raise ValueError(name)


def decode(raw: bytes | str) -> Any:
    """Decode a request body; raise ValueError when it is not JSON."""
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from None


def find_document(value: str) -> PolicyDocument | None:
    """A document by 文号 or id; None when there is none (or the value is not plausible)."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return PolicyDocument.objects.filter(pk=int(value)).first()
    # A 文号 is short printable text; anything else (PostgreSQL refuses NUL: a 500) is unknown.
    if not value or len(value) > 60 or not value.isprintable():
        return None
    return PolicyDocument.objects.filter(number=value).first()


def answer(data: Any, document: str = "") -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) for a decoded profile: 200 with the results, or 422 with the errors.

    ``document`` (a 文号 or a document id, the API's ``?document=``) restricts the results to
    that document's measures; an unknown one is a 422 naming ``document``.
    """
    errors = []
    number = None
    if document:
        found = find_document(document)
        if found is None:
            errors.append({"field": "document", "message": f"没有文号或编号为“{document[:60]}”的政策文件。"})
        else:
            number = found.number
    try:
        profile = screening.check_profile(data, today=timezone.localdate())
    except ProfileError as exc:
        errors.extend({"field": field, "message": message} for field, message in exc.errors)
    if errors:
        return 422, {"errors": errors}
    # shared: informational results' dicts are built once per day; callers only serialise them.
    return 200, screening.screen_profile(profile, screening.published_rules(number)).as_dict(shared=True)


def answer_body(raw: bytes | str, document: str = "") -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) for a raw request body, 400 when it is not JSON."""
    try:
        data = decode(raw)
    except ValueError:
        return 400, {"errors": [{"field": "body", "message": NOT_JSON}]}
    return answer(data, document)
