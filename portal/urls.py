from django.contrib import admin
from django.urls import include, path

from policies.views import healthz

from .api import api
from .views import display_preferences, favicon

admin.site.site_header = "惠企政策通 · 政策管理后台"
admin.site.site_title = "惠企政策通管理后台"
admin.site.index_title = "政策与规则管理"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("display/", display_preferences, name="display_preferences"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("policies.urls")),
    path("", include("enterprises.urls")),
    path("accounts/", include("enterprises.urls_accounts")),
    path("", include("hotline.urls")),
]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
