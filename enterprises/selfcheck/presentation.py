"""The result page: a stored answer arranged for reading and printing.

Everything shown comes from the receipt (profile, answer, catalogue details copied at the time),
so the page explains the answer as it was given even after the rules or the catalogue change.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from enterprises.reminders.models import CONSENT_VERSION, reminder_setting
from enterprises.selfcheck import result_summary
from enterprises.selfcheck.forms import QUESTIONS, STEPS, profile_name
from enterprises.selfcheck.models import Receipt
from enterprises.selfcheck.receipts import answer_text, questions_for_missing, settle_counts
from policies import screening
from policies.engine import ELIGIBLE, INELIGIBLE, INFORMATIONAL, NEEDS_INFO, STATUS_LABELS, TIER_LABELS
from policies.lineage import successor_sentence

GROUP_ORDER = (ELIGIBLE, NEEDS_INFO, INELIGIBLE, INFORMATIONAL)
GROUP_HINTS = {
    ELIGIBLE: "按您填写的情况,以下政策的条件都已满足。",
    NEEDS_INFO: "还差一些信息才能判断;补充回答后即可确定。",
    INELIGIBLE: "按您填写的情况,以下政策至少有一项条件不满足。",
    INFORMATIONAL: "以下条款是政府部门的工作安排,没有企业需要满足的条件,供您了解。",
}
OUTCOME_LABELS = {"met": "符合", "not_met": "不符合", "unknown": "待确认"}
OUTCOME_ICONS = {"met": "✓", "not_met": "✗", "unknown": "?"}
ESTIMATE_KINDS = {
    "tax_saving": "预计少缴税款",
    "refund": "预计退还",
    "subsidy": "预计补贴",
    "deduction": "可税前扣除金额",
    "cap": "最高可获",
}


def yuan_text(amount: int) -> str:
    """An amount in 元 as people read it: 325000 -> 32.5万元; small sums stay in 元."""
    if abs(amount) < 10000:
        return f"{amount:,}元"
    wan = (Decimal(amount) / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return f"{format(wan, 'f')}万元"


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def measure_link(document: dict[str, Any], number: int) -> tuple[str, str]:
    """(URL, page anchor) of a result's measure, from the document stored with the receipt.

    Receipts made before there were several documents store no ``documents``: their measures
    are the seed plan's, at /measures/<n>/.
    """
    if document.get("id") is None or document.get("legacy_urls"):
        return reverse("policies:measure_detail", args=[number]), f"m{number}"
    return reverse("policies:document_measure", args=[document["id"], number]), f"d{document['id']}-m{number}"


def decorate(
    result: dict[str, Any], more_url: str, document: dict[str, Any], as_of: datetime.date
) -> dict[str, Any]:
    """One measure's stored result with the labels and links the template needs."""
    catalogue = result.get("catalogue", {})
    estimate = result.get("estimate")
    url, anchor = measure_link(document, result["measure"])
    successors = result.get("successors") or []
    return {
        **result,
        "status_label": STATUS_LABELS[result["status"]],
        "criteria": [
            {
                **c,
                "label": OUTCOME_LABELS.get(c["outcome"], c["outcome"]),
                "icon": OUTCOME_ICONS.get(c["outcome"], ""),
            }
            for c in result.get("criteria", [])
        ],
        "estimate_view": (
            {
                "kind_label": ESTIMATE_KINDS.get(estimate["kind"], estimate["kind"]),
                "amount": yuan_text(estimate["amount_yuan"]),
                "amount_yuan": estimate["amount_yuan"],
                "amount_yuan_text": f"{estimate['amount_yuan']:,}元",
                "basis": estimate["basis"],
            }
            if estimate
            else None
        ),
        "missing_questions": [
            {"label": _missing_label(name), "url": f"{more_url}#q-{name}"}
            for name in result.get("missing", [])
        ],
        "deadline_view": [
            {
                "date": _date(d["date"]),
                "label": d["label"],
                "uncertain": d.get("applies") is None,
                "passed": _date(d["date"]) < as_of,
            }
            for d in result.get("deadlines", [])
        ],
        "catalogue": {
            **catalogue,
            "valid_from": _date(catalogue.get("valid_from")),
            "valid_until": _date(catalogue.get("valid_until")),
        },
        "document": document,
        "url": url,
        "anchor": anchor,
        "successors": successors,
        "successor_text": (
            successor_sentence(_date(result.get("measure_valid_until")), successors, as_of)
            if successors
            else ""
        ),
    }


def _missing_label(name: str) -> str:
    if name == "industry":
        return "所属行业(细分到大类)"
    question = QUESTIONS.get(name)
    return question.label if question else name


def group_results(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = []
    for status in GROUP_ORDER:
        items = [r for r in results if r["status"] == status]
        groups.append(
            {"status": status, "label": STATUS_LABELS[status], "hint": GROUP_HINTS[status], "results": items}
        )
    return groups


def profile_summary(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers, step by step, as question and answer in words."""
    sections = []
    for step in STEPS:
        rows = []
        for name in step.fields:
            if name == "industry_detail":
                continue  # the industry is shown once, in full, on the first step
            label = "所属行业" if name == "industry_section" else QUESTIONS[name].label
            rows.append({"label": label, "answer": answer_text(profile_name(name), profile)})
        if rows:
            sections.append({"step": step, "rows": rows})
    return sections


def result_page_context(request: HttpRequest, receipt: Receipt) -> dict[str, Any]:
    answer = receipt.answer
    more_url = reverse("enterprises:more_questions", args=[receipt.token])
    document = answer.get("document", {})
    documents = answer.get("documents") or ([document] if document else [])
    by_number = {d["number"]: d for d in documents}
    results = [
        decorate(r, more_url, by_number.get(r.get("document", ""), document), receipt.as_of)
        for r in answer.get("results", [])
    ]
    for r in results:
        r.update(result_summary.card_extras(r))
    in_force = [r for r in results if r["in_force"]]
    not_in_force = [r for r in results if not r["in_force"]]
    counts = settle_counts(answer)
    open_questions = [
        {"name": name, "label": _missing_label(name), "count": count, "url": f"{more_url}#q-{name}"}
        for name, count in sorted(counts.items(), key=lambda item: -item[1])
    ]
    _, version = screening.current_rules()
    size = answer.get("size", {})
    return {
        "receipt": receipt,
        "answer": answer,
        "document": document,
        "documents": documents,
        "several_documents": len(documents) > 1,
        "in_force_groups": group_results(in_force),
        "expired_groups": [g for g in group_results(not_in_force) if g["results"]],
        "not_in_force_count": len(not_in_force),
        "status_counts": receipt.status_counts(),
        "needs_info_count": sum(1 for r in results if r["status"] == NEEDS_INFO),
        "open_questions": open_questions,
        "more_url": more_url,
        "has_more_questions": bool(questions_for_missing(answer, receipt.profile)),
        "rules_changed": receipt.rules_version != version,
        "profile_summary": profile_summary(receipt.profile),
        "size_class_300": TIER_LABELS.get(size.get("size_class_300") or "", "暂无法判断"),
        "sme_2022_equipment": {True: "是", False: "否"}.get(size.get("sme_2022_equipment"), "暂无法判断"),
        "summary": result_summary.summarise(results, receipt.as_of),
        "reminder_deadlines": result_summary.reminder_deadlines(receipt.profile, timezone.localdate()),
        "calendar_count": len(result_summary.calendar_deadlines(results, receipt.as_of)),
        "size_standards": result_summary.size_standards(),
        "permalink": request.build_absolute_uri(receipt.get_absolute_url()),
        "steps": STEPS,
        # The reminders' privacy notice (templates/enterprises/subscriptions/_privacy_notice.html).
        "consent_version": CONSENT_VERSION,
        "retention_days": reminder_setting("RETENTION_DAYS"),
        "confirm_days": reminder_setting("CONFIRM_MAX_AGE_DAYS"),
    }
