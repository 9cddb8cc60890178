"""The result page as a PDF download (WeasyPrint), carrying the receipt link and the rule version.

The PDF is built from the same context as the HTML result page, with a template of its own that
has no navigation and no forms, styled by static/css/print.css (A4, CJK font, page numbers).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from . import screening
from .models import Receipt
from .presentation import result_page_context

PRINT_CSS = "css/print.css"
# A receipt never changes, so neither does its PDF as long as the page around it (the link's host,
# the "rules have changed since" note) is the same; WeasyPrint needs seconds for a long result.
CACHE_SECONDS = 24 * 3600


def _stylesheet_path() -> str:
    # Development and tests find it in static/; a collectstatic'ed install also has it in STATIC_ROOT.
    found = finders.find(PRINT_CSS)
    return str(found) if found else str(Path(settings.STATIC_ROOT) / PRINT_CSS)


def render_pdf(request: HttpRequest, receipt: Receipt) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which only the PDF download needs.
    from weasyprint import CSS, HTML

    html = render_to_string("enterprises/result_pdf.html", result_page_context(request, receipt), request=request)
    # base_url makes the measure links in the PDF absolute; the template loads no remote resources.
    document = HTML(string=html, base_url=request.build_absolute_uri("/"))
    return document.write_pdf(stylesheets=[CSS(filename=_stylesheet_path())])


def receipt_pdf(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Download a stored result as a PDF."""
    saved = get_object_or_404(Receipt, token=token)
    _, version = screening.current_rules()
    key = f"receipt-pdf:{saved.token}:{version}:{request.build_absolute_uri('/')}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(request, saved)
        cache.set(key, pdf, CACHE_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"policy-check-{saved.as_of:%Y%m%d}-{str(saved.token)[:8]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    return response
