"""Deadline reminders: subscribing, confirming, unsubscribing.

Included by enterprises/urls.py, whose namespace ``enterprises`` these names live in.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("reminders/subscribe/", views.subscribe, name="subscribe"),
    path("reminders/subscribe/done/", views.subscribe_done, name="subscribe_done"),
    path("reminders/confirm/<str:token>/", views.confirm, name="subscription_confirm"),
    path("reminders/unsubscribe/<str:token>/", views.unsubscribe, name="subscription_unsubscribe"),
]
