"""One error shape for the whole /api/v1: ``{"errors": [{"field": ..., "message": ...}]}``.

The contract asks for the same JSON shape, with Chinese messages, for every error the API gives.
Errors come from three places, and all of them end here:

* the NinjaAPI's exception handlers (validation of query parameters, ``HttpError``, ``Http404``,
  any exception a view lets through), registered by ``install``;
* exceptions Django raises itself while a view reads the request, such as ``RequestDataTooBig``
  for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413, not Django's English HTML 400);
* responses made outside the API's views (a path no route matches, a 500 page from a failing
  middleware), which ``ApiErrorMiddleware`` rewrites when they are not already in the shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("portal.api")

API_PREFIX = "/api/v1/"

# A message per status for errors that name no field.
STATUS_MESSAGES: dict[int, str] = {
    400: "请求无效,请检查请求格式。",
    401: "需要登录或提供有效的凭据。",
    403: "没有权限访问该接口。",
    404: "没有这个接口或资源,请对照接口文档中的路径。",
    405: "该接口不支持此请求方法。",
    406: "无法按请求的格式返回结果,请接受 application/json。",
    413: "请求体过大,请减少内容后重试。",
    415: "请求体应为 application/json。",
    422: "请求参数无效。",
    429: "请求过于频繁,请稍后再试。",
    500: "服务器内部错误,已记录,请稍后再试。",
    503: "服务暂时不可用,请稍后再试。",
}

# pydantic error types (query and path parameters) in Chinese.
_PYDANTIC_MESSAGES: dict[str, str] = {
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "missing": "必须填写",
    "greater_than_equal": "取值过小",
    "less_than_equal": "取值过大",
    "greater_than": "取值过小",
    "less_than": "取值过大",
    "json_invalid": "不是有效的JSON",
    "model_attributes_type": "应为JSON对象",
    "dict_type": "应为JSON对象",
    "list_type": "应为列表",
    "extra_forbidden": "不支持的字段",
    "date_parsing": "应为YYYY-MM-DD格式的日期",
    "date_from_datetime_parsing": "应为YYYY-MM-DD格式的日期",
}


def error_body(errors: Iterable[tuple[str, str]]) -> dict[str, Any]:
    return {"errors": [{"field": field, "message": message} for field, message in errors]}


def error_response(status: int, errors: Iterable[tuple[str, str]] | None = None) -> HttpResponse:
    """The API's error answer; with no ``errors``, the status's own Chinese message."""
    items = list(errors) if errors is not None else [("", STATUS_MESSAGES.get(status, STATUS_MESSAGES[400]))]
    return JsonResponse(error_body(items), status=status, json_dumps_params={"ensure_ascii": False})


def field_name(loc: Iterable[Any]) -> str:
    """Turn a pydantic error location into the contract's dotted field name."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload")]
    name = ""
    for part in parts:
        if part.isdigit():
            name += f"[{part}]"
        else:
            name += f".{part}" if name else part
    return name or "body"


# Messages for a field whatever went wrong with it, registered by the endpoint that owns it
# (e.g. the search's ``limit``: one sentence giving its range, for "abc" as for 51).
FIELD_MESSAGES: dict[str, str] = {}


def validation_message(error: Mapping[str, Any]) -> str:
    """A Chinese message for one pydantic error, naming the field."""
    field = field_name(error.get("loc", ()))
    if field in FIELD_MESSAGES:
        return FIELD_MESSAGES[field]
    kind = str(error.get("type", ""))
    bounds = error.get("ctx") or {}
    if kind == "greater_than_equal" and "ge" in bounds:
        reason = f"应不小于{bounds['ge']}"
    elif kind == "less_than_equal" and "le" in bounds:
        reason = f"应不大于{bounds['le']}"
    else:
        reason = _PYDANTIC_MESSAGES.get(kind, "取值无效")
    return f"{field}{reason}" if field != "body" else f"请求{reason}"


def exception_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The answer for an exception a view did not handle: 413 for a body too large, else 500."""
    if isinstance(exc, RequestDataTooBig):
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return error_response(413, [("body", f"请求体过大,最多{limit_mb:.1f}MB。")])
    logger.error("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return error_response(500)


def _is_error_shape(response: HttpResponse) -> bool:
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    if getattr(response, "streaming", False):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("errors"), list)


class ApiErrorMiddleware:
    """Rewrite every /api/v1 error that is not yet in the contract's shape (HTML 404s and 500s,
    ninja's ``{"detail": ...}``); answer exceptions raised while reading the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not _is_error_shape(response)
        ):
            rewritten = error_response(response.status_code)
            for header in ("Retry-After", "Allow"):
                if header in response:
                    rewritten[header] = response[header]
            return rewritten
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        return exception_response(request, exception)
