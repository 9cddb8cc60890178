"""`POST /api/v1/subscriptions`: subscribe an email address to a profile's deadline reminders.

The body is parsed by hand rather than by a schema so that every error follows the contract in
Chinese: 400 for a body that is not JSON, 422 naming every bad field (`email`, `profile.<field>`,
or an unknown top-level field), never a 500 and nothing sent on any error.
"""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from policies.engine.errors import ProfileError

from .reminders import clean_profile, profile_errors, subscribe, upcoming_reminders

router = Router(tags=["截止日期提醒"])

ALLOWED_FIELDS = {"email", "profile"}


class UpcomingOut(Schema):
    measure: int
    title: str
    deadline: datetime.date
    label: str
    stage: int
    send_on: datetime.date
    status: str


class SubscriptionOut(Schema):
    id: int
    status: str
    message: str
    upcoming_reminders: list[UpcomingOut]


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
    response={201: SubscriptionOut, 400: ErrorOut, 422: ErrorOut},
    summary="订阅政策截止日期提醒(双重确认)",
    description=(
        "为邮箱订阅与该企业画像相关(符合条件或需补充信息)的政策截止日期提醒。"
        "只发送确认邮件,确认后才开始提醒;同一邮箱和画像重复提交不会产生重复订阅。"
    ),
    openapi_extra=REQUEST_BODY,
)
def create_subscription(request: HttpRequest) -> Status:
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
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
            problems += [(e["field"], e["message"]) for e in profile_errors(exc, "profile.")]
    if problems:
        return Status(422, _errors(*problems))
    result = subscribe(email, profile, consent_given=False)
    subscription = result.subscription
    upcoming = upcoming_reminders(subscription.profile, timezone.localdate())
    if subscription.is_active:
        status, message = "confirmed", "该邮箱已确认订阅,提醒将按计划发送。"
    else:
        status, message = (
            "pending_confirmation",
            "已向该邮箱发送确认邮件(如近期已发送则不重复发送),确认后开始提醒。",
        )
    return Status(
        201, {"id": subscription.pk, "status": status, "message": message, "upcoming_reminders": upcoming}
    )


def _valid_email(email: str) -> bool:
    try:
        EmailValidator()(email.strip())
    except ValidationError:
        return False
    return len(email) <= 254
