"""The steering group's PDFs: the list with each report's status, asking for one, download.

Reports are not case objects: anyone but the steering group gets 403, naming nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cm_portal import access_log, pdf
from cm_portal.access import role_required
from cm_portal.access_log import client_address
from cm_portal.models import AccessEvent, Role
from cm_portal.views.common import method_not_allowed

from .. import periods, services
from ..models import ReportKind, SteeringReport

Action = AccessEvent.Action
steering_group_only = role_required(Role.STEERING_GROUP)


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of report"), choices=ReportKind.choices)
    quarter = forms.IntegerField(
        label=gettext_lazy("Project quarter (quarterly report)"),
        min_value=1,
        max_value=12,
        required=False,
        help_text=gettext_lazy("1 to 12, counted from the start of the partnership."),
    )
    year = forms.IntegerField(
        label=gettext_lazy("Project year (annual report)"),
        min_value=1,
        max_value=3,
        required=False,
        help_text=gettext_lazy("1 to 3, counted from the start of the partnership."),
    )
    date_from = forms.DateField(
        label=gettext_lazy("From (chosen dates)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To (chosen dates)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        try:
            period = self._period(data)
        except ValueError as error:
            self.add_error(None, str(error))
            return data
        if period is not None:
            data["period"] = period
        return data

    def _period(self, data: dict) -> periods.Period | None:
        kind = data.get("kind")
        if self.errors:  # a field's own error (e.g. quarter 13) says enough
            return None
        if kind == ReportKind.QUARTERLY:
            if data.get("quarter") is None:
                self.add_error("quarter", _("Give the project quarter, 1 to 12."))
                return None
            return periods.project_quarter(data["quarter"])
        if kind == ReportKind.ANNUAL:
            if data.get("year") is None:
                self.add_error("year", _("Give the project year, 1 to 3."))
                return None
            return periods.project_year(data["year"])
        if kind == ReportKind.FINAL:
            return periods.whole_partnership()
        if kind != ReportKind.CUSTOM:
            return None
        start, end = data.get("date_from"), data.get("date_to")
        if start is None:
            self.add_error("date_from", _("Give the first day of the period."))
        if end is None:
            self.add_error("date_to", _("Give the last day of the period."))
        if start is None or end is None:
            return None
        if start > end:
            self.add_error(
                "date_to", _("The last day is before the first day: give a later date here.")
            )
            return None
        return periods.custom(start, end)


def _list(request: HttpRequest, form: ReportRequestForm, status: int = 200) -> HttpResponse:
    reports = SteeringReport.objects.order_by("-requested_at", "-id")[:100]
    access_log.record_request(
        request, action=Action.VIEW, object_type="report", detail="steering reports"
    )
    return render(request, "reporting/pdfs.html", {"reports": reports, "form": form}, status=status)


@steering_group_only
def pdf_list(request: HttpRequest) -> HttpResponse:
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    return _list(request, ReportRequestForm(initial={"kind": ReportKind.QUARTERLY}))


@steering_group_only
def pdf_request(request: HttpRequest) -> HttpResponse:
    if refused := method_not_allowed(request, "POST"):
        return refused
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    period, kind = form.cleaned_data["period"], form.cleaned_data["kind"]
    existing = SteeringReport.objects.filter(
        kind=kind, period_start=period.start, period_end=period.end, status=pdf.PdfStatus.READY
    ).first()
    if existing is not None and not request.POST.get("again"):
        # The same PDF is there already: say so, and offer to produce it anew from there.
        messages.info(request, _("This report is already there: you asked for it before."))
        return redirect("reporting:pdf_status", pk=existing.pk)
    report = services.steering_report_request(
        period=period,
        kind=kind,
        actor=request.user,
        client_address=client_address(request),
    )
    if getattr(report, "newly_requested", False):
        messages.success(
            request, _("The report is being produced. This page shows when it is ready.")
        )
    else:
        messages.info(request, _("This report is already being produced: you asked for it before."))
    return redirect("reporting:pdf_status", pk=report.pk)


# How often the status page reloads itself while the PDF is being produced (seconds).
REFRESH_SECONDS = 5


def _again_data(report: SteeringReport) -> dict[str, str]:
    """The request form's data that asks for this report's period anew."""
    data = {"kind": report.kind}
    if report.kind == ReportKind.QUARTERLY:
        quarters = [q for q in periods.all_project_quarters() if q.start == report.period_start]
        data["quarter"] = (
            str(periods.all_project_quarters().index(quarters[0]) + 1) if quarters else ""
        )
    elif report.kind == ReportKind.ANNUAL:
        data["year"] = str((report.period_start.year - periods.PARTNERSHIP_START.year) + 1)
    elif report.kind == ReportKind.CUSTOM:
        data["date_from"] = report.period_start.isoformat()
        data["date_to"] = report.period_end.isoformat()
    return data


@steering_group_only
def pdf_status(request: HttpRequest, pk: int) -> HttpResponse:
    """One report's status. While it is being produced the page reloads itself (a static
    script loaded with the CSP nonce, no inline script; without JavaScript a link looks
    again), and says when it is ready."""
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    report = get_object_or_404(SteeringReport, pk=pk)
    access_log.record_request(
        request, action=Action.VIEW, object_type="report", object_id=report.pk
    )
    context = {
        "report": report,
        "refresh": REFRESH_SECONDS if report.is_pending else None,
        "again": _again_data(report),
    }
    return render(request, "reporting/pdf_status.html", context)


@steering_group_only
def pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    report = get_object_or_404(SteeringReport, pk=pk)
    response = pdf.download(report.file, ready=report.is_ready, filename=report.filename)
    access_log.record_request(
        request,
        action=Action.EXPORT,
        object_type="report",
        object_id=report.pk,
        detail=f"steering report {report.pk} downloaded",
    )
    return response
