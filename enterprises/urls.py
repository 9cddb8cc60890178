from django.urls import path

from . import ics, pdf, subscription_views, views

app_name = "enterprises"

urlpatterns = [
    # The self-check: questionnaire steps and the result behind a permanent link (views.py).
    path("check/", views.questionnaire, name="check"),
    path("check/restart/", views.restart, name="check_restart"),
    path("check/result/<uuid:token>/", views.receipt, name="receipt"),
    path("check/result/<uuid:token>/pdf/", pdf.receipt_pdf, name="receipt_pdf"),
    path("check/result/<uuid:token>/deadlines.ics", ics.receipt_ics, name="receipt_ics"),
    path("check/result/<uuid:token>/more/", views.more_questions, name="more_questions"),
    path("check/result/<uuid:token>/edit/", views.edit_answers, name="edit_answers"),
    path("check/result/<uuid:token>/recheck/", views.recheck, name="recheck"),
    path("check/<slug:slug>/", views.questionnaire, name="check_step"),
    # Deadline reminders (subscription_views.py).
    path("reminders/subscribe/", subscription_views.subscribe, name="subscribe"),
    path("reminders/subscribe/done/", subscription_views.subscribe_done, name="subscribe_done"),
    path("reminders/confirm/<str:token>/", subscription_views.confirm, name="subscription_confirm"),
    path(
        "reminders/unsubscribe/<str:token>/", subscription_views.unsubscribe, name="subscription_unsubscribe"
    ),
]
