"""Request-level protections that cover every app's views without touching them.

- `client_ip`: the caller's address, shared by the rate limiter, django-axes and the audit trail.
- `RateLimitMiddleware`: per-address request budgets on the public API and the public forms.
- `StaffSessionMiddleware`: staff sessions end after 30 idle minutes.
- `LockoutBackend`: django-axes' backend, tolerant of callers that pass no request.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any

from axes.backends import AxesStandaloneBackend
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RATE_LIMITED_MESSAGE = "请求过于频繁,请稍后再试。"


def client_ip(request: HttpRequest) -> str:
    """Return the address the request came from.

    X-Forwarded-For is read only when the connection itself comes from one of
    `TRUSTED_PROXIES` (addresses or networks): anyone who reaches gunicorn directly writes
    what they like in it, which would let them dodge rate limits and lockouts, lock out
    someone else and forge audit addresses. Behind trusted proxies each one appends the
    address it received the request from, so hops are taken from the right, at most
    `PROXY_COUNT` of them, stopping at the first address that is not a trusted proxy; anything
    to the left of that was written by the client.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.PROXY_COUNT
    if proxies <= 0 or not is_trusted_proxy(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    address = remote
    for _ in range(proxies):
        if not hops:
            break
        candidate = hops.pop()
        try:
            address = str(ip_address(candidate))
        except ValueError:
            logger.warning("Ignoring malformed X-Forwarded-For hop %r", candidate[:64])
            break
        if not is_trusted_proxy(address):
            break
    return address


def _trusted_networks() -> list[IPv4Network | IPv6Network]:
    return [ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]


def is_trusted_proxy(address: str) -> bool:
    """True when `address` is one of settings.TRUSTED_PROXIES (addresses or CIDR networks)."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in _trusted_networks())


class RateLimitMiddleware:
    """Answer 429 once an address exceeds a rule's budget in the current one-minute window.

    Rules come from `settings.RATE_LIMITS`: (HTTP method, path prefix, requests per minute).
    A request counts against the first rule that matches. Counters live in the default cache
    (Redis in production, so every gunicorn worker shares them). If the cache is unreachable the
    request goes through: the limiter protects capacity, it must not take the portal down.
    """

    window = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.RATE_LIMIT_ENABLED:
            rule = self._rule_for(request)
            if rule is not None and self._exceeded(request, *rule):
                return too_many_requests(request, retry_after=self.window)
        return self.get_response(request)

    @staticmethod
    def _rule_for(request: HttpRequest) -> tuple[str, int] | None:
        for method, prefix, per_minute in settings.RATE_LIMITS:
            if request.method == method and request.path.startswith(prefix):
                return f"{method}:{prefix}", per_minute
        return None

    def _exceeded(self, request: HttpRequest, rule: str, per_minute: int) -> bool:
        window_start = int(time.time()) // self.window
        key = f"ratelimit:{rule}:{client_ip(request)}:{window_start}"
        try:
            cache.add(key, 0, timeout=self.window + 5)
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr: this is the first hit
            count = 1
        except Exception:  # noqa: BLE001 - any cache outage must fail open
            logger.exception("Rate limiter cache unavailable; letting the request through")
            return False
        return count > per_minute


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 answer: the API's error shape for API paths, a Chinese page otherwise."""
    if request.path.startswith(settings.API_PATH_PREFIX):
        response: HttpResponse = JsonResponse(
            {"errors": [{"field": "", "message": RATE_LIMITED_MESSAGE}]},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        html = render_to_string(
            "security/429.html",
            {"message": RATE_LIMITED_MESSAGE, "retry_after": retry_after},
            request=request,
        )
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class StaffSessionMiddleware:
    """Give staff sessions a sliding 30-minute idle expiry; other accounts keep the default age.

    Staff means `is_staff`, superusers, and members of the groups in `STAFF_SESSION_GROUPS`
    (the hotline agents, who work in the console rather than the admin). The check runs after
    the view, so the login request itself already gets the short expiry.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session") and is_staff(user):
            # Setting the expiry marks the session modified, so SessionMiddleware saves it and
            # re-sends the cookie: every request restarts the 30 minutes.
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return response


def is_staff(user: Any) -> bool:
    """True for accounts that work inside the portal: officials, administrators, hotline agents."""
    if user.is_staff or user.is_superuser:
        return True
    groups = settings.STAFF_SESSION_GROUPS
    return bool(groups) and user.groups.filter(name__in=groups).exists()


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when a caller passes no request.

    Every login page passes the request (Django's LoginView does, and so must any enterprise
    login view); only code without one, such as the test client's `login()` or a shell, reaches
    the `None` branch, which axes itself would turn into an exception.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The page django-axes shows instead of the login form once an account is locked."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    html = render_to_string("security/lockout.html", context, request=request)
    return HttpResponse(html, status=settings.AXES_HTTP_RESPONSE_CODE)


def json_nesting_depth(raw: bytes | str, limit: int) -> int:
    """How deep brackets nest in a JSON text, counted without parsing (so without recursion).

    `json.loads` recurses once per level and a 50,000-deep body ends in RecursionError (a 500);
    callers refuse anything deeper than `limit` before parsing. Brackets inside strings are
    skipped; counting stops as soon as `limit` is exceeded.
    """
    data = raw.encode() if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:  # the common case, at C speed
        return limit
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return depth
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return limit


JSON_MAX_DEPTH = 50  # far deeper than any rule, table row or profile; the engine recurses per level


def _refuse_constant(name: str) -> None:
    raise ValueError(name)


class StrictJSONField(forms.JSONField):
    """A JSON form field that refuses what the database or the engine would crash on.

    - NaN / Infinity (and 1e400, which Python reads as infinity): not JSON, PostgreSQL's jsonb
      refuses them;
    - the NUL character in any string: jsonb refuses it;
    - nesting deeper than JSON_MAX_DEPTH: parsing and the engine recurse once per level.
    Each is a field error in Chinese, never a 500.
    """

    default_error_messages = {
        "invalid": "不是有效的JSON。",
        "constant": "JSON中不能使用 NaN、Infinity 或超出范围的数字(如 1e400)。",
        "nul": "JSON中不能包含空字符(\\u0000)。",
        "deep": f"JSON嵌套层级过深(最多{JSON_MAX_DEPTH}层)。",
    }

    def to_python(self, value: Any) -> Any:
        if self.disabled or value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        return self._strict_loads(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        # Re-displaying a refused value must not parse it again (that is what would recurse).
        if self.disabled or not isinstance(data, str):
            return super().bound_data(data, initial)
        try:
            return self._strict_loads(data)
        except forms.ValidationError:
            return forms.fields.InvalidJSONInput(data)

    def _strict_loads(self, value: str) -> Any:
        if json_nesting_depth(value, JSON_MAX_DEPTH) > JSON_MAX_DEPTH:
            raise forms.ValidationError(self.error_messages["deep"], code="deep")
        try:
            converted = json.loads(value, cls=self.decoder, parse_constant=_refuse_constant)
        except RecursionError:
            raise forms.ValidationError(self.error_messages["deep"], code="deep") from None
        except ValueError as exc:  # includes JSONDecodeError and the refused constants
            if isinstance(exc, json.JSONDecodeError):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
            raise forms.ValidationError(self.error_messages["constant"], code="constant") from None
        problem = _json_problem(converted)
        if problem:
            raise forms.ValidationError(self.error_messages[problem], code=problem)
        return converted


def _json_problem(value: Any) -> str:
    """ "constant" for a non-finite number, "nul" for a NUL character anywhere, else ""."""
    stack = [value]
    while stack:  # iterative: the depth is bounded already, but no recursion is needed
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return "constant"
        if isinstance(item, str) and "\x00" in item:
            return "nul"
        if isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    return "nul"
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return ""


# For ModelAdmin / InlineModelAdmin.formfield_overrides: every admin JSON field is strict.
STRICT_JSON_OVERRIDES = {models.JSONField: {"form_class": StrictJSONField}}
