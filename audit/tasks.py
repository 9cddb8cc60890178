"""Scheduled by beat (settings.CELERY_BEAT_SCHEDULE["audit-prune"])."""

from __future__ import annotations

from celery import shared_task

from .models import AuditEntry


@shared_task
def prune_audit() -> int:
    """Delete audit entries past the retention period; returns how many went."""
    return AuditEntry.objects.prune()
