"""Background work for consents: the right-of-access PDF."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from . import services
from .models import ExportStatus

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
def render_participant_export(self, export_pk: int) -> None:
    """Render one queued export; a second run (or a second worker) does nothing."""
    if not services.participant_export_start(export_pk):
        return
    try:
        services.participant_export_render(export_pk)
    except OperationalError:
        # The database went away: queue it again for the retry, or give up after the last.
        if self.request.retries < MAX_RETRIES:
            services.participant_export_mark(export_pk, status=ExportStatus.QUEUED)
        else:
            services.participant_export_mark(
                export_pk, status=ExportStatus.FAILED, reason="database unavailable"
            )
        raise
    except Exception as error:
        # The reason names the kind of error only: its message may quote personal data.
        logger.warning("participant export %s failed: %s", export_pk, type(error).__name__)
        services.participant_export_mark(
            export_pk, status=ExportStatus.FAILED, reason=type(error).__name__
        )
