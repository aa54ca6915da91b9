"""A PDF rendered by a task, shown on a status page, then downloaded (pretix's async
invoices): the shared parts of the participant export (consent) and the plan PDFs (plans).

- ``RenderedPdf``: the abstract model (status, times, failure reason); each app adds its
  ``file`` with its own ``upload_to`` and whatever the PDF is about.
- ``html_to_pdf``: WeasyPrint with a ``url_fetcher`` that refuses every URL.
- ``claim`` / ``mark`` / ``run_render``: the idempotent task body (a conditional UPDATE
  queued to rendering before any side effect; back to queued for a retry, or failed).
- ``download``: the stored file as an attachment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task
from django.db import OperationalError, models
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class PdfStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class RenderedPdf(models.Model):
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED
    )
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.status in (PdfStatus.QUEUED, PdfStatus.RENDERING)

    @property
    def is_ready(self) -> bool:
        return self.status == PdfStatus.READY and bool(getattr(self, "file", None))


MAX_RETRIES = 3
# The options of every task that renders a PDF: safe to run again (the claim makes a second
# run a no-op), retried with backoff while the database is away, and never left hanging.
RENDER_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "time_limit": 120,
    "soft_time_limit": 100,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
}


def refuse_url(url: str, *args, **kwargs):
    """Our PDF templates use no outside resource: WeasyPrint may fetch nothing."""
    raise ValueError("PDFs fetch no URLs")


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # heavy: only the worker needs it

    return weasyprint.HTML(string=html, base_url=None, url_fetcher=refuse_url).write_pdf()


def claim(model: type[RenderedPdf], pk: int) -> bool:
    """Claim a queued PDF for rendering; False when another worker has it (or it is done)."""
    claimed = model._default_manager.filter(pk=pk, status=PdfStatus.QUEUED).update(
        status=PdfStatus.RENDERING
    )
    return claimed == 1


def mark(model: type[RenderedPdf], pk: int, *, status: str, reason: str = "") -> None:
    """Set a rendering PDF back to queued (to retry) or to failed, with a reason."""
    values: dict = {"status": status, "failure_reason": reason[:200]}
    if status == PdfStatus.FAILED:
        values["finished_at"] = timezone.now()
    model._default_manager.filter(pk=pk, status=PdfStatus.RENDERING).update(**values)


def run_render(
    task: Task,
    *,
    model: type[RenderedPdf],
    pk: int,
    render: Callable[[int], None],
    max_retries: int,
) -> None:
    """The body of a render task: claim, render, and on failure mark (and let Celery retry
    on ``OperationalError``). A second run, or a second worker, does nothing."""
    if not claim(model, pk):
        return
    try:
        render(pk)
    except OperationalError:
        # The database went away: queue it again for the retry, or give up after the last.
        if task.request.retries < max_retries:
            mark(model, pk, status=PdfStatus.QUEUED)
        else:
            mark(model, pk, status=PdfStatus.FAILED, reason="database unavailable")
        raise
    except Exception as error:
        # The reason names the kind of error only: its message may quote personal data.
        logger.warning("%s %s failed: %s", model._meta.model_name, pk, type(error).__name__)
        mark(model, pk, status=PdfStatus.FAILED, reason=type(error).__name__)


def download(file: FieldFile, *, ready: bool, filename: str) -> HttpResponse:
    """The stored PDF as an attachment; 404 while it is not ready or when the file is gone."""
    if not ready or not file:
        raise Http404
    try:
        with file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
