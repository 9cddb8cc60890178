"""Settings for the Celery worker that test_reminders_e2e.py starts: the project's, with short
retry backoff so a refused mail is retried within the test's patience."""

from portal.settings import *  # noqa: F403

REMINDER_RETRY_BASE_SECONDS = 1
REMINDER_RETRY_MAX_SECONDS = 4
