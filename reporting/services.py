"""The steering group's PDFs: asked for here (or by the beat task for every finished project
quarter and year, ``reporting.cadence``), rendered by the PDF kit's task (``cm_portal.pdf``),
downloaded once ready.

Everything in a report is an aggregate through ``reporting.disclosure``: no name, reference,
identity number, free text or date of a person is ever read into its context.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cm_portal import access_log, pdf
from cm_portal.models import AccessEvent, User
from cm_portal.programmes.models import Programme

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
    # The equality view belongs to the yearly and the final account (issue 15).
    show_equality = report.kind in (ReportKind.ANNUAL, ReportKind.FINAL)
    context = report_context(
        programme=report.programme,
        period=period,
        today=today,
        trend_quarters=_trend_quarters(report, period),
        equality=show_equality,
    )
    return context | {
        "report": report,
        "kind_label": ReportKind(report.kind).label,
        "printed_on": today,
        # The trend's charts, or None when there is no trend to draw.
        "chart": context["charts"] or None,
        "show_equality": show_equality,
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
        # An automatic report (reporting.cadence): tell its members once it is there.
        from .cadence import scheduled_reports_notify

        transaction.on_commit(scheduled_reports_notify, robust=True)


# The automatic reports (reporting.cadence) ----------------------------------------------


def steering_report_failed(report: SteeringReport) -> None:
    """The PDF kit gave a report up: an automatic one is reported to the administrators."""
    from .cadence import scheduled_report_failed

    scheduled_report_failed(report)
