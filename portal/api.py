"""The public JSON API, v1 (see reference/api-contract.md): one NinjaAPI, one router per app.

Errors follow the contract everywhere: 400 for a body that is not JSON, 422 with
`{"errors": [{"field": ..., "message": ...}]}` naming every bad field, never a 500.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

api = NinjaAPI(
    title="惠企政策通 API",
    version="1",
    description="山西省促进工业经济平稳增长行动方案(晋政办发〔2022〕34号)政策查询、资格自测与热线检索接口。",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _field_name(loc: list | tuple) -> str:
    """Turn a pydantic error location into the contract's dotted field name."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload")]
    name = ""
    for part in parts:
        if part.isdigit():
            name += f"[{part}]"
        else:
            name += f".{part}" if name else part
    return name or "body"


@api.exception_handler(ValidationError)
def validation_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_name(e.get("loc", ())), "message": e.get("msg", "取值无效")} for e in exc.errors]
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(HttpError)
def http_errors(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"errors": [{"field": "", "message": str(exc)}]}, status=exc.status_code)


def register_routers() -> None:
    from policies.api import router as policies_router

    api.add_router("/", policies_router)

    from enterprises.subscription_api import router as subscriptions_router

    api.add_router("/", subscriptions_router)

    from hotline.api import router as hotline_router

    api.add_router("/", hotline_router)

    from policies.api_eligibility import router as eligibility_router

    api.add_router("/", eligibility_router)


register_routers()
