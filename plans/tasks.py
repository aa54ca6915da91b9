"""Background work for plans: deadlines and reminders. (The plan PDFs are rendered by the
PDF kit's task, ``cm_portal.tasks.render_pdf``.)"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .services import deadlines as deadline_services
from .services import invitations as invitation_services
from .services import reminders as reminder_services

# Deadlines and reminders. Every task is idempotent (recompute rewrites rows to match the
# case; reminders are unique per deadline, stage and person), so acks_late is safe: a task
# whose worker died is run again and does no harm.
_DEADLINE_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(time_limit=60, soft_time_limit=45, **_DEADLINE_TASK_OPTIONS)
def recompute_deadlines(participant_id: int) -> int:
    """Recompute one participant's deadlines (enqueued when their case data changes)."""
    return deadline_services.deadlines_recompute(participant_id=participant_id)


@shared_task(time_limit=3 * 3600, soft_time_limit=3 * 3600 - 300, **_DEADLINE_TASK_OPTIONS)
def recompute_all_deadlines() -> int:
    """Nightly: every participant, for the passage of time (upcoming to open to overdue)."""
    return deadline_services.deadlines_recompute_all()


@shared_task(time_limit=1800, soft_time_limit=1700, **_DEADLINE_TASK_OPTIONS)
def send_reminders() -> int:
    """Write today's reminders and e-mail them; after the nightly recompute, and any time."""
    return reminder_services.reminders_send().created


@shared_task(
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def email_meeting_invitation(meeting_id: int) -> int:
    """E-mail a meeting's invitation to the invited staff (each once: safe to run again)."""
    return invitation_services.meeting_invitation_email(meeting_id=meeting_id)
