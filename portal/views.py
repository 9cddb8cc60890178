"""Site-wide views: error pages in Chinese and the 适老化 display preferences."""

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

DISPLAY_COOKIES = {"large_text": "display_large_text", "high_contrast": "display_high_contrast"}
ONE_YEAR = 365 * 24 * 3600


def display_context(request: HttpRequest) -> dict:
    """Template context: the visitor's persisted large-text and high-contrast choices."""
    display = {name: request.COOKIES.get(cookie) == "1" for name, cookie in DISPLAY_COOKIES.items()}
    classes = " ".join(
        cls
        for name, cls in (("large_text", "large-text"), ("high_contrast", "high-contrast"))
        if display[name]
    )
    return {"display": display, "display_classes": classes}


@require_POST
def display_preferences(request: HttpRequest) -> HttpResponse:
    """Turn large text or high contrast on or off; the choice persists in a cookie for a year."""
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    for name, cookie in DISPLAY_COOKIES.items():
        value = request.POST.get(name)
        if value in ("0", "1"):
            response.set_cookie(cookie, value, max_age=ONE_YEAR, samesite="Lax", secure=request.is_secure())
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on every page (also the admin's): the static icon."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))
