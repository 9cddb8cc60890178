"""Models of the enterprises app, one submodule per concept; each adds its import line here."""

from .reminders import ReminderNotice, Subscription

__all__ = ["ReminderNotice", "Subscription"]
