from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "hotline"

urlpatterns = [
    path("search/", views.public_search, name="search"),
    path("hotline/", views.console, name="console"),
    # <key> is a measure's short_key: "9" for the seed plan's 第9条, "2-9" for document 2's.
    path("hotline/measures/<str:key>/", views.card, name="card"),
    path("hotline/calls/", views.calls, name="calls"),
    path("hotline/calls/new/", views.log_call, name="log_call"),
    path("hotline/check/", views.caller_check, name="check"),
    path(
        "hotline/login/",
        auth_views.LoginView.as_view(template_name="hotline/login.html", next_page="hotline:console"),
        name="login",
    ),
    path("hotline/logout/", auth_views.LogoutView.as_view(next_page="hotline:login"), name="logout"),
]
