"""Background work for reporting: the automatic quarterly and annual reports
(``reporting.cadence``). Their PDFs are rendered by the PDF kit's task,
``cm_portal.tasks.render_pdf``."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import cadence

RETRYING = {
    "acks_late": True,
    "time_limit": 300,
    "soft_time_limit": 280,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(**RETRYING)
def produce_scheduled_reports() -> int:
    """Daily: a report for every finished project quarter and project year that has none,
    and the e-mails once rendered. Idempotent: a second run asks for nothing more."""
    return cadence.scheduled_reports_produce()


@shared_task(**RETRYING)
def produce_quarterly_reports() -> int:
    """The former name of ``produce_scheduled_reports``, kept for runs queued before an
    upgrade."""
    return cadence.scheduled_reports_produce()
