"""Hotline search endpoint: GET /api/v1/search?q=...&limit=10 (see reference/api-contract.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from portal.api_errors import FIELD_MESSAGES

from .search import search_measures

if TYPE_CHECKING:
    from .search import FoundMeasure

router = Router(tags=["热线检索"])

MIN_LIMIT, MAX_LIMIT = 1, 50
FIELD_MESSAGES["limit"] = f"limit 必须是 {MIN_LIMIT} 到 {MAX_LIMIT} 之间的整数。"


class AlsoInOut(Schema):
    measure: int
    document: str


class SearchResultOut(Schema):
    measure: int
    document: str  # the measure's 文号 (docs/api-extensions.md): numbers repeat across documents
    title: str
    snippet: str
    score: float
    # Other measures with the same text, folded into this result (docs/api-extensions.md); the key
    # is present only when there are some, so an answer without copies is the contract's.
    also_in: list[AlsoInOut] | None = None


class SearchOut(Schema):
    query: str
    results: list[SearchResultOut]
    related: list[SearchResultOut]


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


@router.get(
    "/search",
    response={200: SearchOut, 422: ErrorOut},
    exclude_none=True,
    summary="热线检索:口语化问题找到对应的政策措施",
    description=(
        "按相关度从高到低返回已发布的政策措施。`results` 只含能回答该问题的措施;本方案没有直接相关的措施时"
        "(如养老金、驾驶证、问候语)`results` 为空,`related` 列出最接近的措施(格式相同,可能为空)。"
        "`snippet` 是原文中最相关的一句,命中的词用 `<mark>` 标出"
        "(其余文字已做 HTML 转义);`score` 在 0 到 1 之间。只输入条款序号(如 `12`、`第12条`、`十二`)"
        "直接返回该条。`limit` 取 1–50,超出范围返回 422。多个文件原文相同的措施合并为一条结果,"
        "其余的列在 `also_in`(仅在有时出现)。"
    ),
)
def search(
    request: HttpRequest,
    q: str = Query("", description="来电问题,例如:稳岗补贴怎么领"),
    # ge/le put the range in the OpenAPI document; out-of-range limits are refused (422 in
    # Chinese, portal/api_errors.py) rather than clamped, so a caller's bug shows up at once.
    limit: int = Query(10, ge=MIN_LIMIT, le=MAX_LIMIT, description="最多返回几条,1–50"),
) -> Status:
    # The catalogue types its search as a list of measures; the backend behind it is this app's
    # `search.search` (registered in HotlineConfig.ready), which returns SearchResults.
    found = search_measures(q, limit=limit)
    return Status(200, {"query": q, "results": _items(found), "related": _items(found.related)})


def _items(measures: list[FoundMeasure]) -> list[dict]:
    items = []
    for m in measures:
        item = {
            "measure": m.number,
            "document": m.document.number,
            "title": m.title,
            "snippet": str(m.snippet),
            "score": m.score,
        }
        if m.also_in:
            item["also_in"] = [other.as_api() for other in m.also_in]
        items.append(item)
    return items
