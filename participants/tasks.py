from __future__ import annotations

from celery import shared_task

from . import retention


# Idempotent: a second run finds nothing left to delete. Late ack, so a worker that dies
# mid-run leaves the message for the next worker instead of dropping the night's run.
@shared_task(acks_late=True, time_limit=3 * 3600, soft_time_limit=3 * 3600 - 300)
def delete_expired_cases() -> int:
    """Nightly: delete the closed cases past their retention period (not those on hold)."""
    return retention.delete_expired_cases()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def notify_retention() -> bool:
    """Weekly: e-mail the administrators how many cases retention is about to delete."""
    return retention.notify_administrators()
