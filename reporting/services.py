"""The steering group's PDFs: asked for here (or by the beat task for every finished project
quarter), rendered by the PDF kit's task (``cm_portal.pdf``), downloaded once ready.

Everything in a report is an aggregate through ``reporting.disclosure``: no name, reference,
identity number, free text or date of a person is ever read into its context.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.models import AccessEvent, User
from cm_portal.programmes.models import Programme
from cm_portal.programmes.selectors import programme_member_emails

from . import periods
from .models import ReportKind, SteeringReport
from .selectors import report_context

logger = logging.getLogger(__name__)
Action = AccessEvent.Action

TEMPLATE = "reporting/pdf/steering_report.html"


# Asking ---------------------------------------------------------------------------------


def steering_report_request(
    *,
    programme: Programme,
    period,
    kind: str,
    actor: User | None,
    client_address: str | None = None,
) -> SteeringReport:
    """Queue a report of ``kind`` on ``programme`` for ``period``; while one for the same
    programme, kind and period is queued or rendering, that one is returned and nothing more
    is rendered."""
    kind = ReportKind(kind)
    with transaction.atomic():
        report, created = pdf.request(
            SteeringReport,
            subject={
                "programme": programme,
                "kind": kind,
                "period_start": period.start,
                "period_end": period.end,
            },
            period_label=str(period.label)[:100],
            requested_by=actor,
        )
        access_log.record(
            action=Action.EXPORT,
            actor=actor,
            client_address=client_address,
            object_type="report",
            object_id=report.pk,
            detail=f"steering report {report.pk} {'requested' if created else 'asked again'}",
        )
        report.newly_requested = created  # for the view's message; not a field
    return report


# The content ------------------------------------------------------------------------------


def _period_of(report: SteeringReport) -> periods.Period:
    """The report's period again, its label in the active language."""
    programme = report.programme
    candidates = [
        *periods.all_project_quarters(programme),
        *periods.all_project_years(programme),
        periods.whole_programme(programme),
    ]
    for candidate in candidates:
        if (candidate.start, candidate.end) == (report.period_start, report.period_end):
            return candidate
    return periods.custom(report.period_start, report.period_end)


def _trend_quarters(report: SteeringReport, period: periods.Period) -> list[periods.Period]:
    """The project quarters the trend shows: those so far (quarterly, chosen dates), the
    year's four (annual), every one of the partnership (final)."""
    quarters = periods.past_project_quarters(report.programme, period)
    if report.kind == ReportKind.ANNUAL:
        return [q for q in quarters if q.start >= report.period_start]
    if report.kind == ReportKind.FINAL:
        return periods.all_project_quarters(report.programme)
    return quarters


def steering_report_context(report: SteeringReport, *, today: date | None = None) -> dict:
    """What the PDF shows: the page's report context (``selectors.report_context``, the
    same figures, statuses, breakdowns, trend and charts) for both organisations, with the
    trend over the report kind's quarters."""
    today = today or timezone.localdate()
    period = _period_of(report)
    context = report_context(
        programme=report.programme,
        period=period,
        today=today,
        trend_quarters=_trend_quarters(report, period),
    )
    return context | {
        "report": report,
        "kind_label": ReportKind(report.kind).label,
        "printed_on": today,
        # The trend's charts, or None when there is no trend to draw.
        "chart": context["charts"] or None,
        # The equality view belongs to the yearly and the final account (issue 15).
        "show_equality": report.kind in (ReportKind.ANNUAL, ReportKind.FINAL),
    }


def steering_report_html(report: SteeringReport) -> str:
    """The report's HTML, in the portal's language (Swedish) whoever asked for it."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, steering_report_context(report))


def steering_report_pdf(report: SteeringReport) -> bytes:
    return pdf.html_to_pdf(steering_report_html(report))


def steering_report_stored(report: SteeringReport) -> None:
    """Log the generation, in the transaction that stores the file."""
    access_log.record(
        action=Action.PRINT,
        actor=report.requested_by,
        object_type="report",
        object_id=report.pk,
        detail=f"steering report {report.pk} generated",
    )
    if report.requested_by_id is None:
        # The automatic quarterly report: tell the steering group once it is there.
        transaction.on_commit(steering_reports_notify, robust=True)


# The automatic quarterly run --------------------------------------------------------------


def report_email(report: SteeringReport) -> tuple[str, str]:
    """Subject and body: the period and a link, no figure about anyone."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("CM portal: a steering-group report is ready")
        body = render_to_string(
            "reporting/email/report_ready.txt",
            {
                "period": report.period_label,
                "link": f"{settings.SITE_URL}{reverse('reporting:pdf_list')}",
            },
        )
    return str(subject), body


def _claim_notification(report_pk: int) -> bool:
    # Conditional UPDATE: of two runs, exactly one moves notified_at from null.
    return bool(
        SteeringReport.objects.filter(pk=report_pk, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
    )


def steering_reports_notify() -> int:
    """E-mail the programme's steering and project groups about every ready automatic
    report, each once."""
    ready = SteeringReport.objects.filter(
        requested_by__isnull=True,
        kind=ReportKind.QUARTERLY,
        status=pdf.PdfStatus.READY,
        notified_at__isnull=True,
    ).order_by("period_start")
    sent = 0
    for report in ready.select_related("programme"):
        if not _claim_notification(report.pk):
            continue
        recipients = programme_member_emails(report.programme)
        if not recipients:
            continue
        subject, body = report_email(report)
        try:
            send_mail(subject, body, None, recipients)
        except Exception:
            # Released so the next run tries again.
            SteeringReport.objects.filter(pk=report.pk).update(notified_at=None)
            logger.exception("steering report e-mail %s failed", report.pk)
            raise
        sent += 1
    return sent


def quarterly_reports_produce(*, today: date | None = None) -> int:
    """For every finished project quarter of every programme with no ready or pending
    quarterly report, ask for one; then e-mail the programmes' members about those rendered
    since. Safe to run any time."""
    today = today or timezone.localdate()
    asked = 0
    due = [
        (each, quarter)
        for each in Programme.objects.prefetch_related("goals", "phases")
        for quarter in periods.finished_project_quarters(each, today)
    ]
    for programme, quarter in due:
        exists = SteeringReport.objects.filter(
            programme=programme,
            kind=ReportKind.QUARTERLY,
            period_start=quarter.start,
            period_end=quarter.end,
            status__in=[*pdf.PENDING, pdf.PdfStatus.READY],
        ).exists()
        if exists:
            continue
        steering_report_request(
            programme=programme, period=quarter, kind=ReportKind.QUARTERLY, actor=None
        )
        asked += 1
    steering_reports_notify()
    return asked
