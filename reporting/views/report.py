"""The on-screen steering-group report: the result goals, the trend, the activity figures,
the breakdowns and the data-quality warnings for a chosen period. Counts only.

Every figure goes through ``reporting.disclosure`` (``selectors.report_context``): a breakdown
cell of 1 to 4 reads "< 5", and nothing on the page names a participant.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cm_portal import access_log
from cm_portal.access import role_required
from cm_portal.models import AccessEvent, Role
from cm_portal.views.common import method_not_allowed
from reporting import intern_sip
from reporting.forms import PeriodForm
from reporting.models import SteeringReport
from reporting.periods import KIND_CHOICES
from reporting.selectors import default_period, report_context

report_readers_required = role_required(Role.STEERING_GROUP, Role.TEAM_LEAD)
KINDS = {kind for kind, _label in KIND_CHOICES}


@report_readers_required
def report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    period = default_period(today)
    period_error = False
    # The first step only chose the kind of period: show that kind's fields, no error yet.
    choosing = request.GET.get("step") == "kind" and request.GET.get("kind") in KINDS
    if choosing:
        form = PeriodForm(initial={"kind": request.GET["kind"]}, today=today)
    elif request.GET:
        form = PeriodForm(request.GET, today=today)
        if form.is_valid() and form.period is not None:
            period = form.period
        else:
            period_error = True
    else:
        form = PeriodForm(initial=period.as_query(), today=today)
    # Team leads see their own organisation's figures; the steering group sees both.
    organisation = None if request.user.is_steering_group else request.user.organisation
    context = report_context(period=period, organisation=organisation, today=today)
    access_log.record_request(
        request,
        action=AccessEvent.Action.VIEW,
        object_type="report",
        detail=f"{period.start.isoformat()}..{period.end.isoformat()}",
    )
    context |= {
        "intern_sip_sections": intern_sip.report_sections(
            date_from=period.start, date_to=period.end, organisation=organisation
        ),
        "form": form,
        "chosen_kind": request.GET["kind"]
        if choosing
        else (form.data.get("kind") if form.is_bound else period.kind),
        "period_error": period_error,
        "period_query": urlencode(period.as_query()),
    }
    return render(request, "reporting/report.html", context)


steering_group_only = role_required(Role.STEERING_GROUP)


@steering_group_only
def start(request: HttpRequest) -> HttpResponse:
    """The steering group's start page: the latest finished period's result goals at a
    glance, with the way to the full report and to the PDFs of that period."""
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    today = timezone.localdate()
    period = default_period(today)
    context = report_context(period=period, organisation=None, today=today, trend_quarters=[])
    pdfs = SteeringReport.objects.filter(period_start=period.start, period_end=period.end).order_by(
        "-requested_at", "-id"
    )[:3]
    access_log.record_request(
        request,
        action=AccessEvent.Action.VIEW,
        object_type="report",
        detail=f"start {period.start.isoformat()}..{period.end.isoformat()}",
    )
    return render(
        request,
        "reporting/start.html",
        {
            "period": period,
            "reached": context["reached"],
            "k1": context["k1"],
            "goals": context["goals"],
            "phase": context["phase"],
            "pdfs": pdfs,
            "period_query": urlencode(period.as_query()),
        },
    )
