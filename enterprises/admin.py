"""Admin of the enterprises app; each concept registers its models in its own module."""

from . import admin_receipts, admin_reminders  # noqa: F401
