"""Models of the enterprises app, one submodule per concept; each adds its import line here."""

from .accounts import AccountReceipt, EnterpriseAccount
from .receipts import GoldenCase, Receipt
from .reminders import ReminderNotice, Subscription

__all__ = ["AccountReceipt", "EnterpriseAccount", "GoldenCase", "Receipt", "ReminderNotice", "Subscription"]
