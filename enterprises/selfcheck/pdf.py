"""The result page as a PDF download (WeasyPrint), carrying the receipt link and the rule version.

The PDF is built from the same context as the HTML result page, with a template of its own that
has no navigation and no forms, styled by static/css/print.css (A4, CJK font, page numbers).

A render takes WeasyPrint 2-5 s of a web worker's CPU, so the download is protected three ways:
the PDF is cached per receipt and rule version only (its links use SITE_URL, never the request's
Host header, so no header can make a fresh render); each client address may ask for
PDF_RATE_PER_MINUTE downloads a minute; and at most PDF_RENDER_SLOTS renders run at once across
all web workers (slots held in the shared cache), so a burst of renders answers 503 "try again in
a few seconds" instead of occupying every worker while /healthz and everyone else wait.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from enterprises.selfcheck.models import Receipt
from enterprises.selfcheck.presentation import result_page_context
from policies import screening
from portal.security import RateLimitMiddleware, too_many_requests

logger = logging.getLogger(__name__)

PRINT_CSS = "css/print.css"
# A receipt never changes, so neither does its PDF as long as the rules version (the "rules have
# changed since" note) is the same; WeasyPrint needs seconds for a long result.
CACHE_SECONDS = 24 * 3600
# A slot outlives a render that crashed its worker by this much at most.
SLOT_SECONDS = 120
BUSY_RETRY_AFTER = 5
# The same per-address one-minute counters as the middleware's rules (a path prefix cannot name
# …/<token>/pdf/, so the view asks the limiter itself).
_LIMITER = RateLimitMiddleware(lambda request: HttpResponse())


def _stylesheet_path() -> str:
    # Development and tests find it in static/; a collectstatic'ed install also has it in STATIC_ROOT.
    found = finders.find(PRINT_CSS)
    return str(found) if found else str(Path(settings.STATIC_ROOT) / PRINT_CSS)


def _site_url() -> str:
    return settings.SITE_URL.rstrip("/") + "/"


def render_pdf(request: HttpRequest, receipt: Receipt) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which only the PDF download needs.
    from weasyprint import CSS, HTML

    context = result_page_context(request, receipt)
    # The permanent link printed on paper is the site's own, whatever Host the request came with.
    context["permalink"] = _site_url().rstrip("/") + receipt.get_absolute_url()
    html = render_to_string("enterprises/result_pdf.html", context, request=request)
    # base_url makes the measure links in the PDF absolute; the template loads no remote resources.
    document = HTML(string=html, base_url=_site_url())
    return document.write_pdf(stylesheets=[CSS(filename=_stylesheet_path())])


@contextlib.contextmanager
def render_slot() -> Iterator[bool]:
    """Hold one of PDF_RENDER_SLOTS render slots shared by every web worker; yields False (and
    holds nothing) when all are taken. A cache outage lets the render through rather than
    failing the download."""
    held = None
    try:
        for number in range(settings.PDF_RENDER_SLOTS):
            key = f"receipt-pdf-slot:{number}"
            if cache.add(key, 1, timeout=SLOT_SECONDS):
                held = key
                break
    except Exception:  # noqa: BLE001 - the cache protects capacity; it must not break downloads
        logger.exception("PDF render slots unavailable; rendering without a slot")
        yield True
        return
    try:
        yield held is not None
    finally:
        if held is not None:
            with contextlib.suppress(Exception):
                cache.delete(held)


def _busy(request: HttpRequest, receipt: Receipt) -> HttpResponse:
    html = render_to_string(
        "enterprises/result_pdf_busy.html",
        {"retry_after": BUSY_RETRY_AFTER, "result_url": receipt.get_absolute_url()},
        request=request,
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER)
    return response


def receipt_pdf(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Download a stored result as a PDF."""
    if settings.RATE_LIMIT_ENABLED and _LIMITER._exceeded(
        request, "GET:receipt-pdf", settings.PDF_RATE_PER_MINUTE
    ):
        return too_many_requests(request, retry_after=RateLimitMiddleware.window)
    saved = get_object_or_404(Receipt, token=token)
    _, version = screening.current_rules()
    key = f"receipt-pdf:{saved.token}:{version}"
    pdf = cache.get(key)
    if pdf is None:
        with render_slot() as got_slot:
            if not got_slot:
                return _busy(request, saved)
            pdf = cache.get(key)  # rendered by another request while this one waited for a slot
            if pdf is None:
                pdf = render_pdf(request, saved)
                cache.set(key, pdf, CACHE_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"policy-check-{saved.as_of:%Y%m%d}-{str(saved.token)[:8]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    return response
