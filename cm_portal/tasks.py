from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def clear_expired_sessions() -> int:
    """Nightly: delete expired sessions and the records that tie them to staff."""
    return services.sessions_clear_expired()
