"""The Celery application.

With REDIS_URL set, tasks go through Redis; without it (the embedded default) settings make
Celery run every task in-process, so a newcomer needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each installed app's tasks module, and the reminders' (enterprises/reminders/tasks.py, a
# subpackage's, which the default discovery of ``<app>.tasks`` would not find).
app.autodiscover_tasks()
app.autodiscover_tasks(["enterprises.reminders"])
