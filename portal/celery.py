"""The Celery application.

With REDIS_URL set, tasks go through Redis; without it (the embedded default) settings make
Celery run every task in-process, so a newcomer needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
