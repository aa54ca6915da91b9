"""A PDF rendered by a task, shown on a status page, then downloaded (pretix's async
invoices). The whole flow lives here once; each app (the participant export in consent,
the plan documents in plans, the steering reports in reporting) keeps only what differs,
its template and its context, and registers them with ``register``.

The kit renders any file, not only PDFs: ``render`` returns bytes, the model's ``upload_to``
names the stored file and ``download`` takes the content type. The research exports
(``research``, a ZIP of a data file and its codebook) go through it as well.

- ``RenderedPdf``: the abstract model (status, times, failure reason, the claim); each app
  adds its ``file`` with its own ``upload_to``, whatever the PDF is about, and
  ``one_pending_per(...)`` in its constraints: at most one queued or rendering row per
  subject, enforced by the database.
- ``request``: the pending row for a subject, or a new one whose render is enqueued through
  the outbox (``cm_portal.outbox``), so it is sent only after the commit and survives a
  broker outage.
- ``render``: the body of the one render task (``cm_portal.tasks.render_pdf``, model label
  and pk): claim with a conditional UPDATE, render, store; a second run does nothing.
- ``release_stale_claims``: the beat sweep. A row left in ``rendering`` by a worker that
  died (the claim is older than ``CLAIM_TIMEOUT``) is rendered again.
- ``download``: the stored file as an attachment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, models, transaction
from django.db.models import F, Q
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from . import outbox

logger = logging.getLogger(__name__)

RENDER_TASK = "cm_portal.tasks.render_pdf"


class PdfStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


PENDING = (PdfStatus.QUEUED, PdfStatus.RENDERING)

MAX_RETRIES = 3
# The render task's hard limit (seconds): a worker still rendering after this is killed.
RENDER_TIME_LIMIT = 120
# A claim older than this belongs to a worker that died: the render task's hard time limit
# has long passed, so no live worker can still be rendering it.
CLAIM_TIMEOUT = timedelta(seconds=RENDER_TIME_LIMIT * 5)
# A PDF whose render killed its worker this many times is given up (it would loop forever).
MAX_CLAIMS = 5

# The render task (cm_portal.tasks.render_pdf) is safe to run again (the claim makes a
# second run a no-op), retried with backoff while the database is away (OperationalError),
# and never left hanging (these limits).
RENDER_SOFT_TIME_LIMIT = RENDER_TIME_LIMIT - 20


class RenderedPdf(models.Model):
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED
    )
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Set by the worker that claims the row; a stale one is released by the sweep.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claims = models.PositiveSmallIntegerField(default=0, editable=False)

    file: FieldFile  # each concrete model declares its own, with its upload_to

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def is_ready(self) -> bool:
        return self.status == PdfStatus.READY and bool(getattr(self, "file", None))


def one_pending_per(*fields: str, name: str, where: Q | None = None):
    """The constraint every RenderedPdf declares: one queued or rendering row per subject
    (``where`` narrows it, e.g. to the rows whose nullable subject field is null)."""
    condition = Q(status__in=PENDING)
    return models.UniqueConstraint(
        fields=list(fields),
        condition=condition & where if where is not None else condition,
        name=name,
    )


# --- what each app registers ---------------------------------------------------------------


@dataclass(frozen=True)
class PdfKind:
    # The PDF's bytes (the app's template and context through ``html_to_pdf``).
    render: Callable[[Any], bytes]
    # Called in the transaction that stores the file (an access-log row, a notification).
    stored: Callable[[Any], None] | None = None
    # select_related for loading the row before rendering.
    related: tuple[str, ...] = ()
    # Whether a row's render is retried with backoff on any error (not only the database's)
    # before it is given up: for the PDFs nobody waits for on a page (automatic reports).
    retry_errors: Callable[[Any], bool] | None = None
    # Called once a PDF is given up (failed after its retries, or its worker lost too often),
    # with the row; outside any claim, so it may e-mail.
    failed: Callable[[Any], None] | None = None


class RetryRender(Exception):
    """Raised by ``render`` for a kind with ``retry_errors``: the render task retries it
    with backoff (``cm_portal.tasks.render_pdf``). Its message is the error's kind only."""


_kinds: dict[str, PdfKind] = {}


def register(
    model: type[RenderedPdf],
    *,
    render: Callable[[Any], bytes],
    stored: Callable[[Any], None] | None = None,
    related: tuple[str, ...] = (),
    retry_errors: Callable[[Any], bool] | None = None,
    failed: Callable[[Any], None] | None = None,
) -> None:
    """Tell the render task how to make ``model``'s PDF (from the app's ``ready``)."""
    _kinds[model._meta.label_lower] = PdfKind(
        render=render, stored=stored, related=related, retry_errors=retry_errors, failed=failed
    )


def registered_models() -> list[type[RenderedPdf]]:
    return [apps.get_model(label) for label in sorted(_kinds)]


# --- request -------------------------------------------------------------------------------


def _pending[Pdf: RenderedPdf](model: type[Pdf], subject: dict[str, Any]) -> Pdf | None:
    return model._default_manager.filter(**subject, status__in=PENDING).first()


def request[Pdf: RenderedPdf](
    model: type[Pdf], *, subject: dict[str, Any], **fields: Any
) -> tuple[Pdf, bool]:
    """The queued or rendering PDF about ``subject``, or a new one (``created`` True) whose
    render is enqueued once the caller's transaction commits. Returns (row, created)."""
    with transaction.atomic():
        pending = _pending(model, subject)
        if pending is not None:
            return pending, False
        document = model(**subject, **fields)
        # The pending constraint is the database's: checked by the insert, race included.
        document.full_clean(exclude=["file"], validate_constraints=False)
        try:
            # A savepoint: a request racing this one waits on the constraint, fails, and
            # then gets the row the first one wrote.
            with transaction.atomic():
                document.save(force_insert=True)
        except IntegrityError:
            pending = _pending(model, subject)
            if pending is None:
                raise
            return pending, False
        enqueue_render(model._meta.label_lower, document.pk)
    return document, True


def enqueue_render(model_label: str, pk: int) -> None:
    """Ask for ``render_pdf(model_label, pk)`` after the commit, through the outbox."""
    outbox.enqueue(RENDER_TASK, model_label, pk, dedupe_key=f"pdf:{model_label}:{pk}")


# --- render --------------------------------------------------------------------------------


def refuse_url(url: str, *args, **kwargs):
    """Our PDF templates use no outside resource: WeasyPrint may fetch nothing."""
    raise ValueError("PDFs fetch no URLs")


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # heavy: only the worker needs it

    return weasyprint.HTML(string=html, base_url=None, url_fetcher=refuse_url).write_pdf()


def claim(model: type[RenderedPdf], pk: int) -> datetime | None:
    """Claim a queued PDF (or one whose claim went stale) for rendering; returns the claim's
    time, or None when another worker has it or it is done. A conditional UPDATE: of two
    workers exactly one gets it."""
    now = timezone.now()
    stale = Q(status=PdfStatus.RENDERING) & (
        Q(claimed_at__lt=now - CLAIM_TIMEOUT) | Q(claimed_at__isnull=True)
    )
    claimed = (
        model._default_manager.filter(pk=pk)
        .filter(Q(status=PdfStatus.QUEUED) | stale)
        .update(status=PdfStatus.RENDERING, claimed_at=now, claims=F("claims") + 1)
    )
    return now if claimed == 1 else None


def mark(
    model: type[RenderedPdf], pk: int, *, claimed_at: datetime, status: str, reason: str = ""
) -> None:
    """Set a PDF this worker rendered back to queued (to retry) or to failed, with a reason."""
    values: dict = {"status": status, "failure_reason": reason[:200]}
    if status == PdfStatus.FAILED:
        values["finished_at"] = timezone.now()
    model._default_manager.filter(pk=pk, status=PdfStatus.RENDERING, claimed_at=claimed_at).update(
        **values
    )


def _store(kind: PdfKind, document: RenderedPdf, content: bytes, claimed_at: datetime) -> bool:
    """Store the file and mark the row ready, if this worker still holds the claim."""
    model = type(document)
    with transaction.atomic():
        held = (
            model._default_manager.select_for_update()
            .filter(pk=document.pk, status=PdfStatus.RENDERING, claimed_at=claimed_at)
            .exists()
        )
        if not held:
            return False  # released and claimed by another worker: that one stores it
        document.file.save("document.pdf", ContentFile(content), save=False)
        try:
            document.status = PdfStatus.READY
            document.finished_at = timezone.now()
            document.failure_reason = ""
            # "file" is each concrete model's field, which the abstract model cannot see.
            document.save(  # type: ignore[misc]
                update_fields=["file", "status", "finished_at", "failure_reason"]
            )
            if kind.stored is not None:
                kind.stored(document)
        except Exception:
            document.file.delete(save=False)  # a file outside the database is not rolled back
            raise
    return True


def render(model_label: str, pk: int, *, retries_left: bool) -> None:
    """The body of the render task: claim, render, store; on failure mark (and let Celery
    retry on ``OperationalError``, and on any error for a kind with ``retry_errors``).
    A second run, or a second worker, does nothing."""
    kind = _kinds[model_label]
    model = apps.get_model(model_label)
    claimed_at = claim(model, pk)
    if claimed_at is None:
        return
    document = None
    try:
        document = model._default_manager.select_related(*kind.related).get(pk=pk)
        _store(kind, document, kind.render(document), claimed_at)
    except OperationalError:
        # The database went away: queue it again for the retry, or give up after the last.
        if retries_left:
            mark(model, pk, claimed_at=claimed_at, status=PdfStatus.QUEUED)
        else:
            _give_up(kind, model, pk, claimed_at=claimed_at, reason="database unavailable")
        raise
    except Exception as error:
        # The reason names the kind of error only: its message may quote personal data.
        reason = type(error).__name__
        logger.warning("%s %s failed: %s", model_label, pk, reason)
        retry = kind.retry_errors
        if retries_left and document is not None and retry is not None and retry(document):
            mark(model, pk, claimed_at=claimed_at, status=PdfStatus.QUEUED, reason=reason)
            raise RetryRender(reason) from None
        _give_up(kind, model, pk, claimed_at=claimed_at, reason=reason)


def _give_up(
    kind: PdfKind, model: type[RenderedPdf], pk: int, *, claimed_at: datetime, reason: str
) -> None:
    mark(model, pk, claimed_at=claimed_at, status=PdfStatus.FAILED, reason=reason)
    _tell_failed(kind, model, [pk])


def _tell_failed(kind: PdfKind, model: type[RenderedPdf], pks: list[int]) -> None:
    """The kind's ``failed`` hook for each given-up row; a failing hook is logged, never
    raised (the render is over either way)."""
    if kind.failed is None:
        return
    try:
        documents = list(model._default_manager.filter(pk__in=pks, status=PdfStatus.FAILED))
    except Exception:
        logger.exception("%s: the failure notices could not be read", model._meta.label)
        return
    for document in documents:
        try:
            kind.failed(document)
        except Exception:
            logger.exception("%s %s: the failure notice failed", model._meta.label, document.pk)


def release_stale_claims(*, now: datetime | None = None) -> int:
    """Every few minutes: render again each PDF whose worker died while rendering it (its
    claim is older than ``CLAIM_TIMEOUT``), or give it up after ``MAX_CLAIMS`` tries.
    Returns how many were enqueued again."""
    now = now or timezone.now()
    stale = Q(status=PdfStatus.RENDERING) & (
        Q(claimed_at__lt=now - CLAIM_TIMEOUT) | Q(claimed_at__isnull=True)
    )
    enqueued = 0
    for model in registered_models():
        rows = model._default_manager.filter(stale)
        lost = list(rows.filter(claims__gte=MAX_CLAIMS).values_list("pk", flat=True))
        given_up = rows.filter(pk__in=lost).update(
            status=PdfStatus.FAILED, failure_reason="worker lost", finished_at=now
        )
        if given_up:
            logger.warning("%d %s given up: the worker was lost", given_up, model._meta.label)
            _tell_failed(_kinds[model._meta.label_lower], model, lost)
        with transaction.atomic():
            for pk in rows.filter(claims__lt=MAX_CLAIMS).values_list("pk", flat=True):
                # The render task claims it again (a stale claim may be taken over).
                enqueue_render(model._meta.label_lower, pk)
                enqueued += 1
    return enqueued


# --- download ------------------------------------------------------------------------------


def download(
    file: FieldFile, *, ready: bool, filename: str, content_type: str = "application/pdf"
) -> HttpResponse:
    """The stored file as an attachment; 404 while it is not ready or when the file is gone."""
    if not ready or not file:
        raise Http404
    try:
        # Read whole (a PDF, a scan of at most 10 MB): no file handle outlives the request.
        with file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    return attachment(content, filename=filename, content_type=content_type)


def attachment(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """``content`` as a download named ``filename``, which no browser sniffs into another type."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
