"""Models of the enterprises app, one submodule per concept; each adds its import line here."""

from .receipts import GoldenCase, Receipt
from .reminders import ReminderNotice, Subscription

__all__ = ["GoldenCase", "Receipt", "ReminderNotice", "Subscription"]
