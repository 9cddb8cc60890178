"""A result's deadlines as a calendar file (iCalendar, RFC 5545), to import into any calendar.

One all-day event per deadline of the measures that apply or may apply, from the receipt's
evaluation day on, taken from the receipt itself (what the page shows). Stable UIDs (receipt
token, measure, date), so importing the file again updates the events instead of doubling them.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from enterprises.selfcheck.models import Receipt
from enterprises.selfcheck.presentation import decorate
from enterprises.selfcheck.result_summary import calendar_deadlines
from policies.engine import ELIGIBLE, NEEDS_INFO, STATUS_LABELS


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    out: list[str] = []
    current, size = "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75  # continuation lines start with one space
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def calendar_text(receipt: Receipt, now: datetime.datetime | None = None) -> str:
    results = [decorate(r, "", {}, receipt.as_of) for r in receipt.answer.get("results", [])]
    stamp = (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    link = settings.SITE_URL.rstrip("/") + receipt.get_absolute_url()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//huiqi-zhengcetong//self-check deadlines//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape('政策截止日期(自测结果 ' + receipt.as_of.isoformat() + ')')}",
    ]
    for d in calendar_deadlines(results, receipt.as_of):
        day: datetime.date = d["date"]
        status = STATUS_LABELS[ELIGIBLE if d["status"] == ELIGIBLE else NEEDS_INFO]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{receipt.token}-m{d['measure']}-{day:%Y%m%d}@huiqi",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + datetime.timedelta(days=1):%Y%m%d}",
            "SUMMARY:" + escape(f"截止:第{d['measure']}条 {d['label']}"),
            "DESCRIPTION:" + escape(f"{d['title']}({status})。自测结果:{link}"),
            f"URL:{link}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def receipt_ics(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    receipt = get_object_or_404(Receipt, token=token)
    response = HttpResponse(calendar_text(receipt), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="deadlines-{receipt.as_of.isoformat()}.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
