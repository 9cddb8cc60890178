"""The enterprises app's models, defined in each concept's package and re-exported here so that
Django (which imports ``enterprises.models``) registers them all under the app label ``enterprises``."""

from .accounts.models import AccountReceipt, EnterpriseAccount
from .reminders.models import ReminderNotice, Subscription
from .selfcheck.models import Receipt

__all__ = ["AccountReceipt", "EnterpriseAccount", "Receipt", "ReminderNotice", "Subscription"]
