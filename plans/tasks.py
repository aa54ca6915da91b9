"""Background work for plans: the plan PDFs ("Min plan", invitation letters)."""

from __future__ import annotations

from celery import shared_task

from cm_portal import pdf

from .models import PlanDocument
from .services import documents as services


@shared_task(**pdf.RENDER_TASK_OPTIONS)
def render_plan_document(self, document_pk: int) -> None:
    """Render one queued plan document; a second run (or a second worker) does nothing."""
    pdf.run_render(
        self,
        model=PlanDocument,
        pk=document_pk,
        # Looked up at run time, so tests can replace the service.
        render=lambda pk: services.plan_document_render(pk),
        max_retries=pdf.MAX_RETRIES,
    )
