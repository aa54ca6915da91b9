"""Background work for consents: the right-of-access PDF."""

from __future__ import annotations

from celery import shared_task

from cm_portal import pdf

from . import services
from .models import ParticipantExport


@shared_task(**pdf.RENDER_TASK_OPTIONS)
def render_participant_export(self, export_pk: int) -> None:
    """Render one queued export; a second run (or a second worker) does nothing."""
    pdf.run_render(
        self,
        model=ParticipantExport,
        pk=export_pk,
        # Looked up at run time, so tests can replace the service.
        render=lambda pk: services.participant_export_render(pk),
        max_retries=pdf.MAX_RETRIES,
    )
