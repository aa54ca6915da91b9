"""The programmes' PDFs: the list with each report's status, asking for one, download.

Reports are not case objects: anyone but the steering and project groups gets 403, naming
nothing. A member sees the reports of the programmes they follow; another programme's report
answers 404, exactly as a missing one.
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
from cm_portal.programmes.models import Programme
from cm_portal.programmes.selectors import report_programmes
from cm_portal.views.common import method_not_allowed

from .. import periods, services
from ..models import ReportKind, SteeringReport

Action = AccessEvent.Action
members_only = role_required(Role.STEERING_GROUP, Role.PROJECT_GROUP)


class ReportRequestForm(forms.Form):
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of report"), choices=ReportKind.choices)
    quarter = forms.IntegerField(
        label=gettext_lazy("Project quarter (quarterly report)"),
        min_value=1,
        required=False,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Project year (annual report)"),
        min_value=1,
        required=False,
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

    def __init__(self, *args, programmes: list[Programme], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.programmes = {programme.slug: programme for programme in programmes}
        self.fields["programme"].choices = [(p.slug, p.name) for p in programmes]
        if programmes:
            self.fields["programme"].initial = programmes[0].slug
        quarters = ", ".join(
            f"{p.name}: 1 \u2013 {periods.project_quarter_count(p)}" for p in programmes
        )
        years = ", ".join(f"{p.name}: 1 \u2013 {periods.project_year_count(p)}" for p in programmes)
        self.fields["quarter"].help_text = _("Counted from the programme's start (%(counts)s).") % {
            "counts": quarters
        }
        self.fields["year"].help_text = _("Counted from the programme's start (%(counts)s).") % {
            "counts": years
        }

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
        if self.errors:  # a field's own error (e.g. an unknown programme) says enough
            return None
        # One programme to choose from: it needs no choosing.
        slug = data.get("programme") or (
            next(iter(self.programmes)) if len(self.programmes) == 1 else ""
        )
        if slug not in self.programmes:
            self.add_error("programme", _("Choose the programme."))
            return None
        programme = self.programmes[slug]
        data["programme"] = programme
        if kind == ReportKind.QUARTERLY:
            if data.get("quarter") is None:
                self.add_error(
                    "quarter",
                    _("Give the project quarter, 1 to %(n)d.")
                    % {"n": periods.project_quarter_count(programme)},
                )
                return None
            return self._numbered(periods.project_quarter, programme, data["quarter"], "quarter")
        if kind == ReportKind.ANNUAL:
            if data.get("year") is None:
                self.add_error(
                    "year",
                    _("Give the project year, 1 to %(n)d.")
                    % {"n": periods.project_year_count(programme)},
                )
                return None
            return self._numbered(periods.project_year, programme, data["year"], "year")
        if kind == ReportKind.FINAL:
            return periods.whole_programme(programme)
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

    def _numbered(self, make, programme: Programme, n: int, field: str) -> periods.Period | None:
        try:
            return make(programme, n)
        except ValueError as error:
            self.add_error(field, str(error))
            return None


def _list(request: HttpRequest, form: ReportRequestForm, status: int = 200) -> HttpResponse:
    reports = (
        SteeringReport.objects.filter(programme__in=report_programmes(request.user))
        .select_related("programme")
        .order_by("-requested_at", "-id")[:100]
    )
    access_log.record_request(
        request, action=Action.VIEW, object_type="report", detail="steering reports"
    )
    return render(request, "reporting/pdfs.html", {"reports": reports, "form": form}, status=status)


def _form(request: HttpRequest, data=None) -> ReportRequestForm:
    programmes = list(report_programmes(request.user))
    return ReportRequestForm(data, initial={"kind": ReportKind.QUARTERLY}, programmes=programmes)


@members_only
def pdf_list(request: HttpRequest) -> HttpResponse:
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    return _list(request, _form(request))


@members_only
def pdf_request(request: HttpRequest) -> HttpResponse:
    if refused := method_not_allowed(request, "POST"):
        return refused
    form = _form(request, request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    period, kind = form.cleaned_data["period"], form.cleaned_data["kind"]
    existing = SteeringReport.objects.filter(
        programme=form.cleaned_data["programme"],
        kind=kind,
        period_start=period.start,
        period_end=period.end,
        status=pdf.PdfStatus.READY,
    ).first()
    if existing is not None and not request.POST.get("again"):
        # The same PDF is there already: say so, and offer to produce it anew from there.
        messages.info(request, _("This report is already there: you asked for it before."))
        return redirect("reporting:pdf_status", pk=existing.pk)
    report = services.steering_report_request(
        programme=form.cleaned_data["programme"],
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
    programme = report.programme
    data = {"programme": programme.slug, "kind": report.kind}
    if report.kind == ReportKind.QUARTERLY:
        quarters = [
            q for q in periods.all_project_quarters(programme) if q.start == report.period_start
        ]
        data["quarter"] = str(quarters[0].n) if quarters else ""
    elif report.kind == ReportKind.ANNUAL:
        years = [y for y in periods.all_project_years(programme) if y.start == report.period_start]
        data["year"] = str(years[0].n) if years else ""
    elif report.kind == ReportKind.CUSTOM:
        data["date_from"] = report.period_start.isoformat()
        data["date_to"] = report.period_end.isoformat()
    return data


@members_only
def pdf_status(request: HttpRequest, pk: int) -> HttpResponse:
    """One report's status. While it is being produced the page reloads itself (a static
    script loaded with the CSP nonce, no inline script; without JavaScript a link looks
    again), and says when it is ready. Another programme's report answers 404, as a missing one."""
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    report = get_object_or_404(
        SteeringReport.objects.select_related("programme"),
        pk=pk,
        programme__in=report_programmes(request.user),
    )
    access_log.record_request(
        request, action=Action.VIEW, object_type="report", object_id=report.pk
    )
    context = {
        "report": report,
        "refresh": REFRESH_SECONDS if report.is_pending else None,
        "again": _again_data(report),
    }
    return render(request, "reporting/pdf_status.html", context)


@members_only
def pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    # Another programme's report answers 404, as a missing one.
    report = get_object_or_404(SteeringReport, pk=pk, programme__in=report_programmes(request.user))
    response = pdf.download(report.file, ready=report.is_ready, filename=report.filename)
    access_log.record_request(
        request,
        action=Action.EXPORT,
        object_type="report",
        object_id=report.pk,
        detail=f"steering report {report.pk} downloaded",
    )
    return response
