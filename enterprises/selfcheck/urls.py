"""The self-check: questionnaire steps and the result behind a permanent link.

Included by enterprises/urls.py, whose namespace ``enterprises`` these names live in.
"""

from django.urls import path

from enterprises.selfcheck import ics

from . import pdf, views

urlpatterns = [
    path("check/", views.questionnaire, name="check"),
    path("check/restart/", views.restart, name="check_restart"),
    path("check/result/<uuid:token>/", views.receipt, name="receipt"),
    path("check/result/<uuid:token>/pdf/", pdf.receipt_pdf, name="receipt_pdf"),
    path("check/result/<uuid:token>/deadlines.ics", ics.receipt_ics, name="receipt_ics"),
    path("check/result/<uuid:token>/more/", views.more_questions, name="more_questions"),
    path("check/result/<uuid:token>/edit/", views.edit_answers, name="edit_answers"),
    path("check/result/<uuid:token>/recheck/", views.recheck, name="recheck"),
    path("check/<slug:slug>/", views.questionnaire, name="check_step"),
]
