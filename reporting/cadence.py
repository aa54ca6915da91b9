"""The follow-up cycle (seeds 001 and 002): every finished project quarter the quarterly PDF,
and every finished project year the annual PDF, each produced once by the daily beat task
(``reporting.tasks.produce_scheduled_reports``), and the members who follow that cycle told.

- A quarterly report goes to the programme's **project group**, an annual one to its
  **steering group**: an e-mail with the period and a link, never a figure.
- Once: the database holds one automatic report per programme, kind and period
  (``steering_report_one_automatic_per_programme_period``), so two runs, or two beats, cannot
  make a second; the e-mail is claimed with a conditional UPDATE of ``notified_at``.
- A failed automatic report is retried with backoff by the PDF kit's render task (any error,
  ``pdf.register(retry_errors=...)``); once given up, the administrators are told by e-mail,
  once (``failure_reported_at``), naming the report, its programme and period and the kind of
  error, nothing about anyone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cm_portal import pdf
from cm_portal.models import Role
from cm_portal.programmes.models import Programme
from cm_portal.programmes.selectors import programme_member_emails
from cm_portal.selectors import emails_of_role

from . import periods
from .models import ReportKind, SteeringReport

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cadence:
    """One kind of automatic report: which periods it covers and who is told."""

    kind: str
    told: tuple[str, ...]


# The project group follows the work up every third month, the steering group the agreement
# every year (seed 002, "Uppföljning").
CADENCES = (
    Cadence(ReportKind.QUARTERLY, (Role.PROJECT_GROUP,)),
    Cadence(ReportKind.ANNUAL, (Role.STEERING_GROUP,)),
)
AUTOMATIC_KINDS = [cadence.kind for cadence in CADENCES]
TOLD = {cadence.kind: cadence.told for cadence in CADENCES}


def finished_periods(programme: Programme, kind: str, today: date) -> list[periods.Period]:
    """The periods of ``kind`` whose last day is before ``today``, oldest first."""
    if kind == ReportKind.QUARTERLY:
        return periods.finished_project_quarters(programme, today)
    return [year for year in periods.all_project_years(programme) if year.end < today]


def _automatic(programme: Programme, kind: str, period: periods.Period):
    return SteeringReport.objects.filter(
        programme=programme,
        kind=kind,
        period_start=period.start,
        period_end=period.end,
        requested_by__isnull=True,
    )


def _pending_by_someone(programme: Programme, kind: str, period: periods.Period) -> bool:
    """A member's own request for the period is being rendered: the PDF kit would hand that
    one back, so the automatic one waits for the next run (a day at most)."""
    return SteeringReport.objects.filter(
        programme=programme,
        kind=kind,
        period_start=period.start,
        period_end=period.end,
        status__in=pdf.PENDING,
        requested_by__isnull=False,
    ).exists()


def scheduled_report_request(*, programme: Programme, kind: str, period: periods.Period) -> bool:
    """Ask for the automatic ``kind`` report of ``period`` unless there is one (in any
    state); True when this call asked for it. The constraint decides a race."""
    from .services import steering_report_request

    if _automatic(programme, kind, period).exists() or _pending_by_someone(programme, kind, period):
        return False
    try:
        with transaction.atomic():
            report = steering_report_request(
                programme=programme, period=period, kind=kind, actor=None
            )
    except IntegrityError:
        return False  # another run has just asked for it
    return report.newly_requested and report.requested_by_id is None


def scheduled_reports_produce(*, today: date | None = None) -> int:
    """For every programme, each finished project quarter's and project year's automatic
    report, asked for once; then the e-mails about those rendered since. Safe to run any
    time, any number of times. Returns how many reports it asked for."""
    today = today or timezone.localdate()
    asked = 0
    # One read of what exists, so a daily run over long programmes stays a few queries;
    # scheduled_report_request checks again, and the constraint has the last word.
    existing = set(
        SteeringReport.objects.filter(
            requested_by__isnull=True, kind__in=AUTOMATIC_KINDS
        ).values_list("programme_id", "kind", "period_start", "period_end")
    )
    for programme in Programme.objects.prefetch_related("goals", "phases"):
        for cadence in CADENCES:
            for period in finished_periods(programme, cadence.kind, today):
                if (programme.pk, cadence.kind, period.start, period.end) in existing:
                    continue
                asked += scheduled_report_request(
                    programme=programme, kind=cadence.kind, period=period
                )
    scheduled_reports_notify()
    # A failure notice whose e-mail failed when the render gave up is sent now.
    untold = SteeringReport.objects.filter(
        requested_by__isnull=True, status=pdf.PdfStatus.FAILED, failure_reported_at__isnull=True
    )
    for report in untold:
        scheduled_report_failed(report)
    return asked


# Telling the members ---------------------------------------------------------------------


def report_email(report: SteeringReport) -> tuple[str, str]:
    """Subject and body: the kind of report, the period and a link, no figure about anyone."""
    with translation.override(settings.LANGUAGE_CODE):
        if report.kind == ReportKind.ANNUAL:
            subject = _("CM portal: the annual report is ready")
        else:
            subject = _("CM portal: the quarterly report is ready")
        body = render_to_string(
            "reporting/email/report_ready.txt",
            {
                "kind": ReportKind(report.kind).label,
                "programme": report.programme.name,
                "period": report.period_label,
                "link": f"{settings.SITE_URL}{reverse('reporting:pdf_list')}",
            },
        )
    return str(subject), body


def _claim(report_pk: int, field: str) -> bool:
    # Conditional UPDATE: of two runs, exactly one moves the field from null.
    return bool(
        SteeringReport.objects.filter(pk=report_pk, **{f"{field}__isnull": True}).update(
            **{field: timezone.now()}
        )
    )


def _release(report_pk: int, field: str) -> None:
    SteeringReport.objects.filter(pk=report_pk).update(**{field: None})


def scheduled_reports_notify() -> int:
    """E-mail about every ready automatic report, each once: a quarterly one to the
    programme's project group, an annual one to its steering group."""
    ready = SteeringReport.objects.filter(
        requested_by__isnull=True,
        kind__in=AUTOMATIC_KINDS,
        status=pdf.PdfStatus.READY,
        notified_at__isnull=True,
    ).order_by("period_start", "pk")
    sent = 0
    for report in ready.select_related("programme"):
        if not _claim(report.pk, "notified_at"):
            continue
        recipients = programme_member_emails(report.programme, roles=TOLD[report.kind])
        if not recipients:
            continue
        subject, body = report_email(report)
        try:
            send_mail(subject, body, None, recipients)
        except Exception:
            _release(report.pk, "notified_at")  # the next run tries again
            logger.exception("report e-mail %s failed", report.pk)
            raise
        sent += 1
    return sent


# Telling the administrators ----------------------------------------------------------------


def failure_email(report: SteeringReport) -> tuple[str, str]:
    """Subject and body for the administrators: which report, and the kind of error."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("CM portal: an automatic report could not be produced")
        body = render_to_string(
            "reporting/email/report_failed.txt",
            {
                "report": report,
                "kind": ReportKind(report.kind).label,
                "programme": report.programme.slug,
                "period": report.period_label,
                "reason": report.failure_reason,
                "attempts": pdf.MAX_RETRIES + 1,
            },
        )
    return str(subject), body


def scheduled_report_failed(report: SteeringReport) -> None:
    """The PDF kit gave an automatic report up: tell the administrators, once."""
    if not report.is_automatic or not _claim(report.pk, "failure_reported_at"):
        return
    recipients = emails_of_role(Role.ADMINISTRATOR)
    if not recipients:
        logger.error("automatic report %s failed and there is no administrator to tell", report.pk)
        return
    report = SteeringReport.objects.select_related("programme").get(pk=report.pk)
    subject, body = failure_email(report)
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        _release(report.pk, "failure_reported_at")
        raise
