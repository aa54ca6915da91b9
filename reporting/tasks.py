"""Background work for reporting: the steering group's PDFs."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from cm_portal import pdf

from . import services
from .models import SteeringReport


@shared_task(**pdf.RENDER_TASK_OPTIONS)
def render_steering_report(self, report_pk: int) -> None:
    """Render one queued report; a second run (or a second worker) does nothing."""
    pdf.run_render(
        self,
        model=SteeringReport,
        pk=report_pk,
        # Looked up at run time, so tests can replace the service.
        render=lambda pk: services.steering_report_render(pk),
        max_retries=pdf.MAX_RETRIES,
    )


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
