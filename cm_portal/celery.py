"""The Celery app and its static beat schedule.

Project code never sends a task itself: it asks ``cm_portal.outbox.enqueue`` inside its
transaction, which publishes after the commit and survives a broker that is down.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cm_portal.settings.base")


app = Celery("cm_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _entry(task: str, schedule: crontab | float) -> dict:
    """A beat schedule entry: ``task`` (its dotted name) at ``schedule`` (a crontab, or
    every so many seconds)."""
    return {"task": task, "schedule": schedule}


# Static on purpose: django-celery-beat does not support this Django yet, and a schedule in
# code is reviewed like code.
app.conf.beat_schedule = {
    "clear-expired-sessions": _entry(
        "cm_portal.tasks.clear_expired_sessions", crontab(hour=3, minute=15)
    ),
    # Deadlines move with the calendar (upcoming to open to overdue): recompute after
    # midnight, then remind once the day's states are right. Times are CELERY_TIMEZONE
    # (Europe/Stockholm).
    "recompute-all-deadlines": _entry(
        "plans.tasks.recompute_all_deadlines", crontab(hour=1, minute=30)
    ),
    "send-reminders": _entry("plans.tasks.send_reminders", crontab(hour=6, minute=0)),
    # Each finished project quarter's and project year's report, once, and the members
    # told (reporting.cadence; idempotent).
    "produce-scheduled-reports": _entry(
        "reporting.tasks.produce_scheduled_reports", crontab(hour=5, minute=0)
    ),
    # Retention: closed cases past their period, then access-log rows past theirs.
    "delete-expired-cases": _entry(
        "participants.tasks.delete_expired_cases", crontab(hour=2, minute=30)
    ),
    "notify-retention": _entry(
        "participants.tasks.notify_retention", crontab(hour=7, minute=0, day_of_week=1)
    ),
    "purge-expired-access-log": _entry(
        "cm_portal.tasks.purge_expired_access_log", crontab(hour=2, minute=50)
    ),
    # The head of the access log's chain leaves the database each night (after the purge).
    "send-access-log-anchor": _entry(
        "cm_portal.tasks.send_access_log_anchor", crontab(hour=3, minute=40)
    ),
    "flush-outbox": _entry("cm_portal.tasks.flush_outbox", 60.0),
    # A PDF whose worker died while rendering it is rendered again (cm_portal.pdf).
    "release-stale-pdf-claims": _entry("cm_portal.tasks.release_stale_pdf_claims", 300.0),
}
