"""Celery tasks of the policies app: bulk work over saved receipts."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="policies.check_receipts", acks_late=True)
def check_receipts() -> int:
    """Validate the receipts saved since the last check under the current profile contract."""
    from .receipt_checks import checked

    return checked()[0]
