"""Background work for plans: the plan PDFs ("Min plan", invitation letters)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from .models import DocumentStatus
from .services import documents as services

MAX_RETRIES = 3
logger = logging.getLogger(__name__)


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
    if not services.plan_document_start(document_pk):
        return
    try:
        services.plan_document_render(document_pk)
    except OperationalError:
        # The database went away: queue it again for the retry, or give up after the last.
        if self.request.retries < MAX_RETRIES:
            services.plan_document_mark(document_pk, status=DocumentStatus.QUEUED)
        else:
            services.plan_document_mark(
                document_pk, status=DocumentStatus.FAILED, reason="database unavailable"
            )
        raise
    except Exception as error:
        # The reason names the kind of error only: its message may quote personal data.
        logger.warning("plan document %s failed: %s", document_pk, type(error).__name__)
        services.plan_document_mark(
            document_pk, status=DocumentStatus.FAILED, reason=type(error).__name__
        )
