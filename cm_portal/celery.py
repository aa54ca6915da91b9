"""The Celery app, its static beat schedule and the task base every task uses."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cm_portal.settings.base")


class TransactionAwareTask(Task):
    """Enqueues only once the surrounding transaction commits.

    A task started inside a transaction that rolls back is never sent, and a worker never
    picks up a task before the rows it needs are visible (pretix's TransactionAwareTask).
    """

    abstract = True

    # (*args, **kwargs): Celery's arguments and options pass through exactly as given.
    def apply_async(self, *args: Any, **kwargs: Any) -> Any:
        connection = transaction.get_connection()
        if connection.in_atomic_block:
            transaction.on_commit(
                lambda: super(TransactionAwareTask, self).apply_async(*args, **kwargs),
                robust=True,
            )
            return None
        return super().apply_async(*args, **kwargs)


app = Celery("cm_portal", task_cls=TransactionAwareTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Static on purpose: django-celery-beat does not support this Django yet, and a schedule in
# code is reviewed like code.
app.conf.beat_schedule = {
    "clear-expired-sessions": {
        "task": "cm_portal.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Deadlines move with the calendar (upcoming to open to overdue): recompute after
    # midnight, then remind once the day's states are right. Times are CELERY_TIMEZONE
    # (Europe/Stockholm).
    "recompute-all-deadlines": {
        "task": "plans.tasks.recompute_all_deadlines",
        "schedule": crontab(hour=1, minute=30),
    },
    "send-reminders": {
        "task": "plans.tasks.send_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    # Each finished project quarter's steering-group report, once (idempotent).
    "produce-quarterly-reports": {
        "task": "reporting.tasks.produce_quarterly_reports",
        "schedule": crontab(hour=5, minute=0),
    },
    # Retention: closed cases past their period, then access-log rows past theirs.
    "delete-expired-cases": {
        "task": "participants.tasks.delete_expired_cases",
        "schedule": crontab(hour=2, minute=30),
    },
    "notify-retention": {
        "task": "participants.tasks.notify_retention",
        "schedule": crontab(hour=7, minute=0, day_of_week=1),
    },
    "purge-expired-access-log": {
        "task": "cm_portal.tasks.purge_expired_access_log",
        "schedule": crontab(hour=2, minute=50),
    },
    # The head of the access log's chain leaves the database each night (after the purge).
    "send-access-log-anchor": {
        "task": "cm_portal.tasks.send_access_log_anchor",
        "schedule": crontab(hour=3, minute=40),
    },
    "flush-outbox": {"task": "cm_portal.tasks.flush_outbox", "schedule": 60.0},
}
