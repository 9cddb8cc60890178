"""Audit the hotline console's look-ups without touching its views.

`settings.AUDITED_VIEWS` names views by dotted path ("hotline.views.card") and says which action
to record, for which methods, and which request parameters to keep: a list of names, or "*" for
every submitted field but the CSRF token and formset bookkeeping (a form whose questions are
defined elsewhere, such as the caller check, is then audited as it is asked, without repeating
its fields here). URL keyword arguments (the measure number of a card) are always kept. Only answered requests are recorded (2xx, or 422 for a
form with errors): a redirect to the login page or a refused agent is not a look-up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse

import audit

MAX_VALUE_LENGTH = 200
MAX_PARAMS = 60  # "*" keeps at most this many fields of one request
_BOOKKEEPING = ("csrfmiddlewaretoken",)
_FORMSET_MANAGEMENT = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")


def _param_names(rule: dict[str, Any], source: Any) -> list[str]:
    names = rule.get("params", [])
    if names != "*":
        return list(names)
    return [
        name
        for name in list(source.keys())[:MAX_PARAMS]
        if name not in _BOOKKEEPING and not name.endswith(_FORMSET_MANAGEMENT)
    ]


def _view_path(view_func: Callable[..., Any]) -> str:
    func = getattr(view_func, "view_class", view_func)
    while isinstance(func, partial):  # e.g. django-ninja's docs view
        func = func.func
    return f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', '')}"


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        pending = getattr(request, "_audit_pending", None)
        if pending is not None and (200 <= response.status_code < 300 or response.status_code == 422):
            action, detail = pending
            if response.status_code == 422:
                detail["invalid"] = True
            audit.record(request, action, detail)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: tuple, view_kwargs: dict
    ) -> None:
        rules = cast(dict[str, dict[str, Any]], settings.AUDITED_VIEWS)
        rule = rules.get(_view_path(view_func))
        if rule is None or request.method not in rule.get("methods", ["GET"]):
            return None
        source = request.POST if request.method == "POST" else request.GET
        detail: dict[str, Any] = {name: str(value)[:MAX_VALUE_LENGTH] for name, value in view_kwargs.items()}
        for name in _param_names(rule, source):
            value = source.get(name, "").strip()
            if value:
                detail[name] = value[:MAX_VALUE_LENGTH]
        if rule.get("require_params") and not detail:
            return None  # e.g. the console opened without a query: nothing was looked up
        request._audit_pending = (rule["action"], detail)  # type: ignore[attr-defined]
        return None
