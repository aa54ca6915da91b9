"""The steering group's PDFs: asked for here (or by the beat task for every finished project
quarter), rendered by the PDF kit's task (``cm_portal.pdf``), downloaded once ready.

Everything in a report is an aggregate through ``reporting.disclosure``: no name, reference,
identity number, free text or date of a person is ever read into its context.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.models import AccessEvent, Role, User
from cm_portal.selectors import emails_of_role
from participants.models import Gender

from . import periods
from .disclosure import HIDDEN, SMALL, protect, protected_kpis
from .kpis import AGE_GROUPS, GENDERS, OTHER_AGE, compute_kpis
from .models import ReportKind, SteeringReport
from .selectors import labelled_warnings

logger = logging.getLogger(__name__)
Action = AccessEvent.Action

TEMPLATE = "reporting/pdf/steering_report.html"
K_GOALS = [
    "plan_within_8_weeks",
    "prioritised_contacts_3_months",
    "self_rating_improved",
    "crisis_plan_within_8_weeks",
]


# Asking ---------------------------------------------------------------------------------


def steering_report_request(
    *, period, kind: str, requested_by: User | None, client_address: str | None = None
) -> SteeringReport:
    """Queue a report of ``kind`` for ``period``; while one for the same kind and period is
    queued or rendering, that one is returned and nothing more is rendered."""
    kind = ReportKind(kind)
    with transaction.atomic():
        report, created = pdf.request(
            SteeringReport,
            subject={"kind": kind, "period_start": period.start, "period_end": period.end},
            period_label=str(period.label)[:100],
            requested_by=requested_by,
        )
        access_log.record(
            action=Action.EXPORT,
            actor=requested_by,
            client_address=client_address,
            object_type="report",
            object_id=report.pk,
            detail=f"steering report {report.pk} {'requested' if created else 'asked again'}",
        )
        report.newly_requested = created  # for the view's message; not a field
    return report


# The content ------------------------------------------------------------------------------


def _status(figure: dict[str, Any], target: float) -> str:
    """The status in words, so it never relies on colour."""
    value = figure.get("percent")
    if value is None:
        return _("No one to count yet")
    if value == HIDDEN:
        return _("Not shown: fewer than 5 counted")
    if value >= target:
        return _("Target met")
    return _("Below target")


NO_ONE = "\u00b7"  # a percentage of an empty cohort (not a hidden one: that is HIDDEN)


def _cell(value: Any) -> str:
    """A figure as printed: counts and percentages as they are, "< 5" and "-" kept."""
    if value is None:
        return NO_ONE
    if value == SMALL:
        return _("< 5")
    if isinstance(value, float):
        return formats.number_format(value, 1)
    return str(value)


def _breakdowns(protected: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The breakdowns by gender and age group, from ``disclosure.protect``'s figures only."""
    columns: dict[str, list[tuple[str, Any]]] = {
        "by_gender": [(str(g), Gender(g).label) for g in GENDERS],
        "by_age_group": [(key, key) for key in AGE_GROUPS] + [(OTHER_AGE, _("Other age"))],
    }
    captions = {"by_gender": _("By gender"), "by_age_group": _("By age at start")}
    tables = []
    for breakdown, keys in columns.items():
        started = protected["participants"][breakdown]
        rows = [
            {
                "label": _("K1 started in the period"),
                "cells": [_cell(started.get(key, 0)) for key, _label in keys],
            }
        ]
        for index, name in enumerate(K_GOALS):
            cells = protected["kpis"][name][breakdown]
            base = "evaluable" if name == "self_rating_improved" else "cohort"
            for figure, text in (
                ("met", _("met")),
                (base, _("counted")),
                ("percent", _("%")),
            ):
                rows.append(
                    {
                        "label": f"K{index + 2} {text}",
                        "cells": [_cell(cells.get(key, {}).get(figure)) for key, _label in keys],
                    }
                )
        tables.append(
            {
                "caption": captions[breakdown],
                "columns": [label for _key, label in keys],
                "rows": rows,
            }
        )
    return tables


def _period_of(report: SteeringReport) -> periods.Period:
    """The report's period again, its label in the active language."""
    candidates = [
        *periods.all_project_quarters(),
        *(periods.project_year(n) for n in range(1, periods.PROJECT_YEARS + 1)),
        periods.whole_partnership(),
    ]
    for candidate in candidates:
        if (candidate.start, candidate.end) == (report.period_start, report.period_end):
            return candidate
    return periods.custom(report.period_start, report.period_end)


def _trend_quarters(report: SteeringReport, period: periods.Period) -> list[periods.Period]:
    """The project quarters the trend shows: those so far (quarterly, chosen dates), the
    year's four (annual), every one of the partnership (final)."""
    quarters = periods.past_project_quarters(period)
    if report.kind == ReportKind.ANNUAL:
        return [q for q in quarters if q.start >= report.period_start]
    if report.kind == ReportKind.FINAL:
        return periods.all_project_quarters()
    return quarters


def _labels() -> dict[str, str]:
    return {
        "plan_within_8_weeks": _("Individual plan within 8 weeks"),
        "prioritised_contacts_3_months": _("Prioritised contacts completed at 3 months"),
        "self_rating_improved": _("Self-rated improvement"),
        "crisis_plan_within_8_weeks": _("Crisis plan within 8 weeks (crisis-relevant)"),
    }


# Colour and dash pattern per line: told apart without colour too (the legend names the dash).
LINE_STYLES = [("#1b5e9e", ""), ("#b3541e", "6 3"), ("#2e7d32", "2 2"), ("#6a1b9a", "8 2 2 2")]


def _patterns() -> list[str]:
    return [_("solid line"), _("dashed line"), _("dotted line"), _("dash-dot line")]


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A polyline of percentages per result goal over the quarters, as SVG coordinates
    (written as plain numbers here: the template must not localise them)."""
    width, height, left, top = 480, 200, 40, 10
    plot_w, plot_h = width - left - 10, height - top - 30
    count = max(len(rows) - 1, 1)
    patterns = _patterns()
    lines = []
    for index, name in enumerate(K_GOALS):
        points = []
        for n, row in enumerate(rows):
            value = row["percent"][name]
            if value is None:
                continue
            x = left + plot_w * n / count
            y = top + plot_h * (1 - value / 100)
            points.append(f"{x:.1f},{y:.1f}")
        lines.append(
            {
                "key": f"K{index + 2}",
                "points": " ".join(points),
                "colour": LINE_STYLES[index][0],
                "dashes": LINE_STYLES[index][1],
                "pattern": patterns[index],
            }
        )
    ticks = [
        {"label": row["short"], "x": f"{left + plot_w * n / count:.1f}"}
        for n, row in enumerate(rows)
    ]
    grid = [{"value": v, "y": f"{top + plot_h * (1 - v / 100):.1f}"} for v in (0, 25, 50, 75, 100)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "label_x": left - 4,
        "right": left + plot_w,
        "tick_y": top + plot_h + 12,
        "lines": lines,
        "ticks": ticks,
        "grid": grid,
    }


def _trend(report: SteeringReport, period: periods.Period, today: date) -> list[dict[str, Any]]:
    """Per project quarter: K1 started and the K2 to K5 percentages, disclosure-controlled
    (a percentage of fewer than 5 is hidden)."""
    rows = []
    for n, quarter in enumerate(_trend_quarters(report, period), start=1):
        figures = protected_kpis(period=quarter, today=today)
        percents = {name: figures["kpis"][name]["percent"] for name in K_GOALS}
        rows.append(
            {
                "label": str(quarter.label),
                "short": _("Q%(n)d") % {"n": _quarter_number(quarter, n)},
                "started": figures["participants"]["started"],
                # The chart plots what is shown: a hidden percentage is a gap.
                "percent": {k: v if isinstance(v, float) else None for k, v in percents.items()},
                "values": [_cell(percents[name]) for name in K_GOALS],
            }
        )
    return rows


def _quarter_number(quarter: periods.Period, default: int) -> int:
    for n, candidate in enumerate(periods.all_project_quarters(), start=1):
        if candidate.start == quarter.start:
            return n
    return default  # pragma: no cover


def steering_report_context(report: SteeringReport, *, today: date | None = None) -> dict:
    """What the PDF shows: aggregates only, breakdowns through disclosure control."""
    today = today or timezone.localdate()
    period = _period_of(report)
    raw = compute_kpis(period_from=period.start, period_to=period.end, today=today)
    figures = protect(raw)
    labels = _labels()
    goals = []
    for index, name in enumerate(K_GOALS):
        kpi = figures["kpis"][name]
        target = kpi["target_percent"]
        goals.append(
            {
                "key": f"K{index + 2}",
                "label": labels[name],
                "target": target,
                "now": kpi,
                "now_percent": _cell(kpi["percent"]),
                "now_status": _status(kpi, target),
                "cumulative": kpi["cumulative"],
                "cumulative_percent": _cell(kpi["cumulative"]["percent"]),
                "cumulative_status": _status(kpi["cumulative"], target),
            }
        )
    reached = figures["participants"]
    k1_met = reached["cumulative_started"] >= reached["target"]
    trend = _trend(report, period, today)
    return {
        "report": report,
        "period": period,
        "kind_label": ReportKind(report.kind).label,
        "phase": periods.phase_on(report.period_end),
        "printed_on": today,
        "reached": reached,
        "k1_status": _("Target met") if k1_met else _("Below target"),
        "goals": goals,
        "trend": trend,
        "chart": _chart(trend) if len(trend) > 1 else None,
        "activity": figures["activity"],
        "breakdowns": _breakdowns(figures, labels),
        # The page's warnings, defined once (reporting.selectors.data_quality).
        "warnings": labelled_warnings(figures, period=period),
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
    """E-mail the steering group about every ready automatic report, each once."""
    ready = SteeringReport.objects.filter(
        requested_by__isnull=True,
        kind=ReportKind.QUARTERLY,
        status=pdf.PdfStatus.READY,
        notified_at__isnull=True,
    ).order_by("period_start")
    sent = 0
    recipients = emails_of_role(Role.STEERING_GROUP)
    for report in ready:
        if not _claim_notification(report.pk):
            continue
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
    """For every finished project quarter with no ready or pending quarterly report, ask for
    one; then e-mail the steering group about those rendered since. Safe to run any time."""
    today = today or timezone.localdate()
    asked = 0
    for quarter in periods.finished_project_quarters(today):
        exists = SteeringReport.objects.filter(
            kind=ReportKind.QUARTERLY,
            period_start=quarter.start,
            period_end=quarter.end,
            status__in=[*pdf.PENDING, pdf.PdfStatus.READY],
        ).exists()
        if exists:
            continue
        steering_report_request(period=quarter, kind=ReportKind.QUARTERLY, requested_by=None)
        asked += 1
    steering_reports_notify()
    return asked
