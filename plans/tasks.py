"""Background work for plans: the plan PDFs ("Min plan", invitation letters)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from cm_portal import pdf

from .models import PlanDocument
from .services import documents as services

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
def render_plan_document(self, document_pk: int) -> None:
    """Render one queued plan document; a second run (or a second worker) does nothing."""
    pdf.run_render(
        self,
        model=PlanDocument,
        pk=document_pk,
        # Looked up at run time, so tests can replace the service.
        render=lambda pk: services.plan_document_render(pk),
        max_retries=MAX_RETRIES,
    )
