from django.urls import path

from . import subscription_views

app_name = "enterprises"

urlpatterns = [
    # Deadline reminders (subscription_views.py).
    path("reminders/subscribe/", subscription_views.subscribe, name="subscribe"),
    path("reminders/subscribe/done/", subscription_views.subscribe_done, name="subscribe_done"),
    path("reminders/confirm/<str:token>/", subscription_views.confirm, name="subscription_confirm"),
    path("reminders/unsubscribe/<str:token>/", subscription_views.unsubscribe, name="subscription_unsubscribe"),
]
