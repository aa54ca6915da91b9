"""Background work for reporting: the automatic quarterly steering-group reports. (Their
PDFs are rendered by the PDF kit's task, ``cm_portal.tasks.render_pdf``.)"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    acks_late=True,
    time_limit=300,
    soft_time_limit=280,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def produce_quarterly_reports() -> int:
    """Daily: a report for every finished project quarter that has none, and the e-mail to
    the steering group once rendered. Idempotent: a second run asks for nothing more."""
    return services.quarterly_reports_produce()
