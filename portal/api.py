"""The public JSON API, v1 (see reference/api-contract.md): one NinjaAPI, one router per app.

Errors follow the contract everywhere: 400 for a body that is not JSON, 422 with
`{"errors": [{"field": ..., "message": ...}]}` naming every bad field, 413 for a body too large;
every error of /api/v1 has that shape with a Chinese message (portal/api_errors.py).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from portal.api_errors import error_response, exception_response, field_name, validation_message

api = NinjaAPI(
    title="惠企政策通 API",
    version="1",
    description="山西省促进工业经济平稳增长行动方案(晋政办发〔2022〕34号)政策查询、资格自测与热线检索接口。",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(ValidationError)
def validation_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [(field_name(e.get("loc", ())), validation_message(e)) for e in exc.errors]
    return error_response(422, errors)


@api.exception_handler(HttpError)
def http_errors(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    # ninja's own HttpErrors carry English text; keep only messages written for people here.
    if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return error_response(exc.status_code)
    return error_response(exc.status_code, [("", message)])


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404)


@api.exception_handler(Exception)
def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with its traceback; the caller gets the contract's shape, never an HTML page.
    return exception_response(request, exc)


def register_routers() -> None:
    from policies.api import router as policies_router

    api.add_router("/", policies_router)

    from enterprises.reminders.api import router as subscriptions_router

    api.add_router("/", subscriptions_router)

    from hotline.api import router as hotline_router

    api.add_router("/", hotline_router)

    from policies.api_eligibility import router as eligibility_router

    api.add_router("/", eligibility_router)


register_routers()
