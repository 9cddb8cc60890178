"""Admin of the enterprises app; each concept registers its models in its own admin module."""

from .reminders import admin as reminders_admin  # noqa: F401
from .selfcheck import admin as selfcheck_admin  # noqa: F401
