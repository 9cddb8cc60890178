from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import include, path, re_path

from policies.views import healthz

from .api import api
from .views import display_preferences, favicon

admin.site.site_header = "惠企政策通 · 政策管理后台"
admin.site.site_title = "惠企政策通管理后台"
admin.site.index_title = "政策与规则管理"


def golden_cases_moved(request: HttpRequest, rest: str) -> HttpResponsePermanentRedirect:
    """Golden cases moved from the enterprises app to policies (its admin address with it); old
    links and bookmarks still arrive. 308 keeps the method, so a form posted there still works."""
    query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
    response = HttpResponsePermanentRedirect(f"/admin/policies/goldencase/{rest}{query}")
    response.status_code = 308
    return response


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("display/", display_preferences, name="display_preferences"),
    re_path(r"^admin/enterprises/goldencase/(?P<rest>.*)$", golden_cases_moved),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("policies.urls")),
    path("", include("enterprises.urls")),
    path("accounts/", include("enterprises.accounts.urls")),
    path("", include("hotline.urls")),
]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
