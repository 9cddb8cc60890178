"""Enterprise accounts under /accounts/ (the rate limits in settings.RATE_LIMITS name these paths)."""

from django.urls import path
from django.views.generic import TemplateView

from enterprises.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("login/", views.sign_in, name="login"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        TemplateView.as_view(template_name="enterprises/accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        TemplateView.as_view(template_name="enterprises/accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("logout/", views.sign_out, name="logout"),
    path("recheck/", views.rerun, name="rerun"),
    path("profile/edit/", views.edit_profile, name="edit_profile"),
    path("results/<uuid:token>/keep/", views.keep, name="keep"),
    path("notifications/", views.rule_news_email, name="rule_news_email"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete, name="delete"),
]
