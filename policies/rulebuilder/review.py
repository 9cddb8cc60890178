"""Four eyes on rule changes: who changed a draft, and whether this official may publish it.

With ``settings.RULES_FOUR_EYES`` on, the official who last changed a draft (its measure row,
rule, deadlines or units, as recorded by django-simple-history) cannot publish it; a colleague
with publishing rights reviews and publishes. The publish page lists every change to the draft
with its author, and publishing writes one entry to the admin change log naming both.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.http import HttpRequest
from django.template.loader import render_to_string

from policies.models import Deadline, EligibilityRule, Measure, MeasureUnit

_PARTS = [
    (Measure, "id", "措施内容"),
    (EligibilityRule, "measure_id", "资格规则"),
    (Deadline, "measure_id", "截止日期"),
    (MeasureUnit, "measure_id", "责任单位"),
]
_TYPES = {"+": "新增", "~": "修改", "-": "删除"}


@dataclass(frozen=True)
class Change:
    when: datetime.datetime
    user_id: int | None
    username: str
    part: str
    what: str


def draft_changes(draft_pk: int) -> list[Change]:
    """Every recorded change to the draft's rows, oldest first."""
    out = []
    for model, key, part in _PARTS:
        records = (
            model.history.filter(**{key: draft_pk})
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        for record in records:
            what = _TYPES.get(record.history_type, "修改")
            if model is Measure and record.history_type == "+":
                what = "创建草稿"
            elif record.history_type == "~":
                previous = record.prev_record
                if previous is not None:
                    fields = record.diff_against(previous).changed_fields
                    if not fields:
                        continue  # saved unchanged: nothing to review
                    names = [str(model._meta.get_field(f).verbose_name) for f in fields]
                    what = "修改了" + "、".join(names)
            user = record.history_user
            out.append(
                Change(
                    record.history_date,
                    user.pk if user else None,
                    user.get_username() if user else "(系统)",
                    part,
                    what,
                )
            )
    out.sort(key=lambda c: c.when)
    return _fold_copies(out)


def _fold_copies(changes: list[Change]) -> list[Change]:
    """Opening a draft copies the published units, deadlines and rule: one line, not one per row."""
    start = next((c for c in changes if c.part == "措施内容" and c.what == "创建草稿"), None)
    if start is None:
        return changes
    copied = [
        c
        for c in changes
        if c is not start
        and c.what == "新增"
        and c.user_id == start.user_id
        and abs((c.when - start.when).total_seconds()) < 5
    ]
    if not copied:
        return changes
    parts = "、".join(dict.fromkeys(c.part for c in copied))
    folded = Change(start.when, start.user_id, start.username, start.part, f"创建草稿(复制现行的{parts})")
    return [folded if c is start else c for c in changes if c not in copied]


def last_changer(draft_pk: int) -> Change | None:
    changes = draft_changes(draft_pk)
    return changes[-1] if changes else None


def refusal(request: HttpRequest, draft: Measure) -> str:
    """Why this official may not publish this draft ("" when they may)."""
    if not settings.RULES_FOUR_EYES or not draft.is_draft:
        return ""
    last = last_changer(draft.pk)
    if last is None or last.user_id != request.user.pk:
        return ""
    return (
        f"本系统要求修改与发布分由两人完成(四眼原则):这份草稿最后由您({last.username})"
        f"于{last.when.astimezone(datetime.timezone(datetime.timedelta(hours=8))):%Y-%m-%d %H:%M}修改,"
        "请由本单位另一位有发布权限的工作人员复核并发布。"
    )


def changes_section(request: HttpRequest, draft: Measure) -> str:
    """The publish page's list of who changed what in this draft."""
    changes = draft_changes(draft.pk)
    return render_to_string(
        "admin/policies/measure/draft_changes.html",
        {"changes": changes, "four_eyes": settings.RULES_FOUR_EYES},
    )


def log_publication(request: HttpRequest, draft_pk: int, published: Measure) -> None:
    """One admin-log entry naming the publisher and every author of the draft's changes."""
    authors = sorted({c.username for c in draft_changes(draft_pk)})
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[published],
        action_flag=CHANGE,
        change_message=f"发布草稿。草稿修改人:{'、'.join(authors) or '(无)'};发布人:{request.user.get_username()}",
        single_object=True,
    )
