"""Background work for consents: the right-of-access PDF."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from cm_portal import pdf

from . import services
from .models import ParticipantExport

MAX_RETRIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    time_limit=120,
    soft_time_limit=100,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def render_participant_export(self, export_pk: int) -> None:
    """Render one queued export; a second run (or a second worker) does nothing."""
    pdf.run_render(
        self,
        model=ParticipantExport,
        pk=export_pk,
        # Looked up at run time, so tests can replace the service.
        render=lambda pk: services.participant_export_render(pk),
        max_retries=MAX_RETRIES,
    )
