from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

from . import access_log, outbox, pdf, services


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def clear_expired_sessions() -> int:
    """Nightly: delete expired sessions and the records that tie them to staff."""
    return services.sessions_clear_expired()


# No retry: beat sends the next run within a minute. expires drops a run that waited longer
# than that in the queue, so a backlog of flushes never piles up behind a stopped worker.
@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, expires=60)
def flush_outbox() -> int:
    """Every minute: publish the outbox rows a commit could not (the broker was down)."""
    published = 0
    while (count := outbox.flush(limit=100)) == 100:
        published += count
    outbox.purge_published()
    return published + (count or 0)


@worker_ready.connect
def flush_outbox_at_worker_start(sender=None, **kwargs) -> None:
    """A worker that starts (e.g. after the broker came back) catches up at once."""
    flush_outbox.apply_async()


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def purge_expired_access_log() -> int:
    """Nightly: delete the access-log rows past their own retention period (5 years)."""
    return access_log.purge_expired()


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def send_access_log_anchor() -> bool:
    """Nightly: e-mail the head of the access log's chain (once a night, however often)."""
    return access_log.anchor_send() is not None


@shared_task(
    bind=True,
    acks_late=True,
    time_limit=pdf.RENDER_TIME_LIMIT,
    soft_time_limit=pdf.RENDER_SOFT_TIME_LIMIT,
    # RetryRender: any error of a kind registered with retry_errors (the automatic reports).
    autoretry_for=(OperationalError, pdf.RetryRender),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=pdf.MAX_RETRIES,
)
def render_pdf(self, model_label: str, pk: int) -> None:
    """Render one queued PDF of any kind (``pdf.register``); a second run does nothing."""
    pdf.render(model_label, pk, retries_left=self.request.retries < pdf.MAX_RETRIES)


# expires: a sweep that waited longer than the next one is dropped, as for the outbox.
@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, expires=300)
def release_stale_pdf_claims() -> int:
    """Every five minutes: render again the PDFs whose worker died while rendering them."""
    return pdf.release_stale_claims()
