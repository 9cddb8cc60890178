"""POST /api/v1/eligibility: screen an enterprise profile against every published measure."""

from __future__ import annotations

import datetime
from typing import Any, Literal

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from policies.engine import EQUIPMENT_FIELDS, ESTIMATE_KINDS, MAX_EQUIPMENT_ITEMS, PROFILE_FIELDS

from .eligibility import answer_body

router = Router(tags=["资格自测"])


class SizeOut(Schema):
    sme_2022_equipment: bool | None
    size_class_300: Literal["large", "medium", "small", "micro"] | None


class EstimateOut(Schema):
    amount_yuan: int
    kind: Literal[ESTIMATE_KINDS]  # type: ignore[valid-type]
    basis: str


class DeadlineOut(Schema):
    date: datetime.date
    label: str


class ResultOut(Schema):
    measure: int
    document: str
    title: str
    status: Literal["eligible", "ineligible", "needs_info", "informational"]
    in_force: bool
    reasons: list[str]
    missing: list[str]
    estimate: EstimateOut | None
    deadlines: list[DeadlineOut]
    responsible_units: list[str]
    citation: str = ""
    failed_by: str | None = None


class EligibilityOut(Schema):
    as_of: datetime.date
    size: SizeOut
    results: list[ResultOut]


class ErrorItem(Schema):
    field: str
    message: str


class ErrorsOut(Schema):
    errors: list[ErrorItem]


def _field_schema(spec: Any) -> dict[str, Any]:
    """JSON Schema of one profile field, from the engine's own field description."""
    schema: dict[str, Any] = {"description": spec.label + (f"({spec.unit})" if spec.unit else "")}
    if spec.kind == "int":
        schema["type"] = "integer"
    elif spec.kind == "number":
        schema["type"] = "number"
    elif spec.kind == "bool":
        schema["type"] = "boolean"
    elif spec.kind == "date":
        schema.update(type="string", format="date")
    elif spec.kind == "industry":
        schema.update(type="string", pattern=r"^[A-T](\d{2}(\d{1,2})?)?$", examples=["C36", "I65", "K701"])
    elif spec.kind == "enum":
        schema.update(type="string", enum=list(spec.choices))
    if spec.choices and spec.kind == "int":
        schema["enum"] = list(spec.choices)
    if spec.minimum is not None:
        schema["exclusiveMinimum" if spec.exclusive_minimum else "minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    if spec.kind == "date" and spec.earliest:
        # JSON Schema has no date range; years 2000–2099 are exactly those the pattern allows.
        assert (spec.earliest.isoformat(), spec.latest.isoformat()) == ("2000-01-01", "2099-12-31")
        schema["pattern"] = r"^20\d{2}-\d{2}-\d{2}$"
        schema["description"] += f",{spec.earliest.isoformat()}至{spec.latest.isoformat()}"
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The server takes JSON null for every profile field (the same as leaving it out)."""
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def profile_schema() -> dict[str, Any]:
    properties = {}
    for name, spec in PROFILE_FIELDS.items():
        if spec.kind == "equipment":
            properties[name] = {
                "description": f"新购置设备;[] 表示没有;最多{MAX_EQUIPMENT_ITEMS}台",
                "type": ["array", "null"],
                "maxItems": MAX_EQUIPMENT_ITEMS,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": list(EQUIPMENT_FIELDS),
                    "properties": {n: _field_schema(s) for n, s in EQUIPMENT_FIELDS.items()},
                },
            }
        else:
            properties[name] = _nullable(_field_schema(spec))
    return {
        "type": "object",
        "additionalProperties": False,
        "description": "企业画像:每个字段都可以不填,不填表示“不清楚”(不同于 false 或 0)。金额以万元计。",
        "properties": properties,
    }


@router.post(
    "/eligibility",
    response={200: EligibilityOut, 400: ErrorsOut, 413: ErrorsOut, 422: ErrorsOut, 429: ErrorsOut},
    summary="企业画像对照每条已发布措施的资格判断",
    description=(
        "可用 ?document=文号 只评估一个政策文件的措施;每条结果的 document 为其文号。"
        "返回每条已发布措施的状态(eligible 符合、ineligible 不符合、needs_info 需补充信息、"
        "informational 相关信息)、理由、缺少的字段、金额估算(元)和截止日期。"
        "请求体不是JSON时返回400;字段未知、类型或取值错误时返回422并列出每个错误字段。"
    ),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": profile_schema()}}},
        "parameters": [
            {
                "name": "document",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "只评估这个政策文件的措施:文号(如 晋政办发〔2022〕34号)或 GET /api/v1/documents 的 id",
            }
        ],
    },
)
def eligibility(request: HttpRequest) -> HttpResponse:
    # The body is read here rather than by a Schema: the engine's validation is the contract's
    # (strict types, every bad field named in Chinese), and the answer is already plain JSON.
    # ?document= (a 文号 or id) restricts the answer to one document's measures.
    status, body = answer_body(request.body, request.GET.get("document", ""))
    # orjson: the answer is ~19 KB of JSON, and encoding it was a tenth of the request's time.
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")
