"""Which saved receipts the profile contract accepts, checked once per contract and remembered.

The impact preview compares only stored profiles the contract still accepts. Receipts are
never edited and the contract changes only with the code (``contract_fingerprint``), so each
stored profile is validated once per contract and the answer is kept in the database
(``ReceiptCheck``: every receipt up to an id is checked, and which of them are rejected). A
preview then validates only the receipts saved since (usually none or a handful), instead of
every profile whose status changes. The first preview after a change of the contract's code
pays for validating every stored profile once; the ``policies.check_receipts`` task (Celery
beat, every few minutes) does that work ahead of the officials.

Receipts younger than ``SETTLE`` are left to the caller (the preview validates those itself):
an id handed out by a transaction not yet committed must not fall below the mark.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from .engine import ProfileError, contract_fingerprint, validate_profile
from .models import ReceiptCheck

SETTLE = datetime.timedelta(minutes=1)
BATCH = 2000


def checked() -> tuple[int, frozenset[int]]:
    """(up to which receipt id every stored profile is checked, the ids among them it rejects)."""
    fingerprint = contract_fingerprint()
    row = ReceiptCheck.objects.filter(fingerprint=fingerprint).first()
    if row is None:
        try:
            with transaction.atomic():
                row = ReceiptCheck.objects.create(fingerprint=fingerprint)
        except IntegrityError:  # created by another process meanwhile
            row = ReceiptCheck.objects.get(fingerprint=fingerprint)
    start = row.checked_up_to
    # enterprises.Receipt, looked up as policies.impact does (that app builds on this one).
    pending = (
        apps.get_model("enterprises", "Receipt")
        ._default_manager.filter(id__gt=start, created_at__lt=timezone.now() - SETTLE)
        .order_by("id")
    )
    invalid = set(row.invalid)
    upto = start
    while True:
        rows = list(pending.filter(id__gt=upto).values_list("id", "profile")[:BATCH])
        if not rows:
            break
        for pk, profile in rows:
            try:
                validate_profile(profile)
            except ProfileError:
                invalid.add(pk)
        upto = rows[-1][0]
    if upto != start:
        # Only from where this run started: two runs at once do the same work, one records it.
        ReceiptCheck.objects.filter(pk=row.pk, checked_up_to=start).update(
            checked_up_to=upto, invalid=sorted(invalid), checked_at=timezone.now()
        )
    return upto, frozenset(invalid)
