"""Scheduled by beat (settings.CELERY_BEAT_SCHEDULE["audit-prune"])."""

from __future__ import annotations

from celery import shared_task

from .models import AuditEntry


@shared_task
def prune_audit() -> int:
    """Delete audit entries past the retention period; returns how many went."""
    return AuditEntry.objects.prune()


@shared_task
def clear_expired_sessions() -> None:
    """Delete expired sessions (`manage.py clearsessions`): they hold answers and sign-ins.

    Django never deletes an expired database session by itself, so without this the table
    keeps every abandoned questionnaire's profile for ever.
    """
    from django.core.management import call_command

    call_command("clearsessions")
