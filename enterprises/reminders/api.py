"""`POST /api/v1/subscriptions`: subscribe an email address to a profile's deadline reminders.

The body is parsed by hand rather than by a schema so that every error follows the contract in
Chinese: 415 for a body that is not declared as JSON, 400 for a body that is not JSON (or nests
deeper than any profile can), 422 naming every bad field (`email`, `profile.<field>`, or an
unknown top-level field), never a 500 and nothing sent on any error.

The answer is the same whatever the address's state (new, pending, confirmed): it carries no
id and no status, as the HTML form does, so the endpoint cannot be used to learn who subscribes
to what. Only `application/json` is accepted, which a cross-site HTML form cannot send without
a CORS preflight.
"""

from __future__ import annotations

import json
from typing import get_type_hints

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import create_model

from enterprises.reminders.planning import UpcomingReminder, clean_profile, subscribe, upcoming_reminders
from policies.engine import ProfileError
from policies.screening import field_errors
from portal.security import json_nesting_depth

router = Router(tags=["截止日期提醒"])

ALLOWED_FIELDS = {"email", "profile"}


# The API's shape of a planned reminder: UpcomingReminder's fields but its document (a 文号),
# which the contract's answer does not have.
UpcomingOut = create_model(
    "UpcomingOut",
    __base__=Schema,
    **{name: (kind, ...) for name, kind in get_type_hints(UpcomingReminder).items() if name != "document"},
)


class SubscriptionOut(Schema):
    status: str
    message: str
    upcoming_reminders: list[UpcomingOut]


ACCEPTED_MESSAGE = (
    "已收到订阅申请。如该邮箱尚未确认订阅,我们会发送一封确认邮件(近期已发送则不重复发送),确认后开始提醒。"
)
MAX_BODY_DEPTH = 20  # a profile is two levels deep; anything far deeper is not a profile


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["email", "profile"],
                    "additionalProperties": False,
                    "properties": {
                        "email": {"type": "string", "format": "email", "example": "caiwu@example.com"},
                        "profile": {
                            "type": "object",
                            "description": "企业画像,字段同 POST /api/v1/eligibility(as_of 不保存:提醒总按发送当天评估)",
                            "example": {"industry": "C36", "employees": 15, "revenue_wan": 800},
                        },
                    },
                }
            }
        },
    }
}


def _errors(*items: tuple[str, str]) -> dict:
    return {"errors": [{"field": field, "message": message} for field, message in items]}


@router.post(
    "/subscriptions",
    response={202: SubscriptionOut, 400: ErrorOut, 415: ErrorOut, 422: ErrorOut},
    summary="订阅政策截止日期提醒(双重确认)",
    # The id it had when this module was enterprises/subscription_api.py: clients generated from
    # the OpenAPI document keep their method name.
    operation_id="enterprises_subscription_api_create_subscription",
    description=(
        "为邮箱订阅与该企业画像相关(符合条件或需补充信息)的政策截止日期提醒。"
        "只发送确认邮件,确认后才开始提醒;同一邮箱和画像重复提交不会产生重复订阅。"
    ),
    openapi_extra=REQUEST_BODY,
)
def create_subscription(request: HttpRequest) -> Status:
    raw = request.body or b""
    # An empty body (no content type either) is simply not JSON: 400 below, not 415.
    if raw and request.content_type != "application/json":
        return Status(415, _errors(("body", "请求体须为JSON,请设置 Content-Type: application/json")))
    if json_nesting_depth(raw, MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
        return Status(400, _errors(("body", f"请求体嵌套层级过深(最多{MAX_BODY_DEPTH}层)")))
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Status(400, _errors(("body", "请求体不是有效的JSON")))
    if not isinstance(data, dict):
        return Status(
            422, _errors(("body", '请求体应为JSON对象,例如 {"email": "caiwu@example.com", "profile": {}}'))
        )
    problems: list[tuple[str, str]] = [
        (str(key), f"不支持的字段“{key}”,只接受 email 和 profile")
        for key in data
        if key not in ALLOWED_FIELDS
    ]
    email = data.get("email")
    if email is None:
        problems.append(("email", "请提供接收提醒的电子邮箱"))
    elif not isinstance(email, str) or not _valid_email(email):
        problems.append(("email", "电子邮箱格式不正确,例如 caiwu@example.com"))
    profile = None
    if "profile" not in data:
        problems.append(("profile", "请提供企业画像(可以为空对象 {},字段同资格自测接口)"))
    else:
        try:
            profile = clean_profile(data["profile"])
        except ProfileError as exc:
            problems += [(e["field"], e["message"]) for e in field_errors(exc, "profile.")]
    if problems:
        return Status(422, _errors(*problems))
    result = subscribe(email, profile, consent_given=False)
    upcoming = upcoming_reminders(result.subscription.profile, timezone.localdate())
    return Status(202, {"status": "received", "message": ACCEPTED_MESSAGE, "upcoming_reminders": upcoming})


def _valid_email(email: str) -> bool:
    try:
        EmailValidator()(email.strip())
    except ValidationError:
        return False
    return len(email) <= 254
