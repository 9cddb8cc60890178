"""The enterprises app's pages under one namespace, ``enterprises`` (accounts have their own,
``accounts``, under /accounts/: portal/urls.py includes enterprises/accounts/urls.py)."""

from django.urls import include, path

app_name = "enterprises"

urlpatterns = [
    path("", include("enterprises.selfcheck.urls")),
    path("", include("enterprises.reminders.urls")),
]
