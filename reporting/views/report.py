"""The on-screen report on a programme: the result goals, the trend, the activity figures,
the breakdowns and the data-quality warnings for a chosen period. Counts only.

Every figure goes through ``reporting.disclosure`` (``selectors.report_context``): a breakdown
cell of 1 to 4 reads "< 5", and nothing on the page names a participant. The programme comes
in the query (``?programme=SLUG``); one the user does not follow answers 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cm_portal import access_log
from cm_portal.access import role_required
from cm_portal.models import AccessEvent, Role
from cm_portal.programmes.access import access_programme_reports, programme_among
from cm_portal.programmes.selectors import report_programmes
from cm_portal.views.common import method_not_allowed
from reporting import intern_sip
from reporting.forms import PeriodForm
from reporting.models import SteeringReport
from reporting.periods import KIND_CHOICES, project_quarter_count
from reporting.releases import released_default_period, released_only
from reporting.selectors import default_period, report_context

report_readers_required = role_required(Role.STEERING_GROUP, Role.PROJECT_GROUP, Role.TEAM_LEAD)
KINDS = {kind for kind, _label in KIND_CHOICES}


def report_query(programme, period) -> str:
    """The query of a report, an export or a PDF: the programme and the period."""
    return urlencode({"programme": programme.slug, **period.as_query()})


@report_readers_required
def report(request: HttpRequest) -> HttpResponse:
    programmes = list(report_programmes(request.user))
    programme = programme_among(programmes, request.GET.get("programme"))
    today = timezone.localdate()
    # The steering and project groups: released periods only (reporting.releases).
    released = released_only(request.user)
    period = (released_default_period if released else default_period)(programme, today)
    period_error = False
    # The first step only chose the kind of period: show that kind's fields, no error yet.
    choosing = request.GET.get("step") == "kind" and request.GET.get("kind") in KINDS
    if choosing:
        form = PeriodForm(
            initial={"kind": request.GET["kind"]},
            programme=programme,
            programmes=programmes,
            today=today,
            released=released,
        )
    elif "kind" in request.GET:
        form = PeriodForm(
            request.GET, programme=programme, programmes=programmes, today=today, released=released
        )
        if form.is_valid() and form.period is not None:
            period = form.period
        else:
            period_error = True
    else:
        form = PeriodForm(
            initial=period.as_query(),
            programme=programme,
            programmes=programmes,
            today=today,
            released=released,
        )
    # Team leads see their own organisation's figures; the members see all organisations'.
    organisation = None if request.user.reads_programme_reports else request.user.organisation
    context = report_context(
        programme=programme, period=period, organisation=organisation, today=today
    )
    access_log.record_request(
        request,
        action=AccessEvent.Action.VIEW,
        object_type="report",
        object_id=programme.slug,
        detail=f"{period.start.isoformat()}..{period.end.isoformat()}",
    )
    context |= {
        # The Intern-SIP section of this programme, when it has that goal.
        "intern_sip_sections": [
            intern_sip.report_section(
                date_from=period.start,
                date_to=period.end,
                programme=programme,
                organisation=organisation,
            )
        ]
        if any(goal.kind == "intern_sip_offered" for goal in programme.goals.all())
        else [],
        "form": form,
        "chosen_kind": request.GET["kind"]
        if choosing
        else (form.data.get("kind") if form.is_bound else period.kind),
        "programmes": programmes,
        "period_error": period_error,
        "period_query": report_query(programme, period),
        "programme_months": 3 * project_quarter_count(programme),
    }
    return render(request, "reporting/report.html", context)


members_only = role_required(Role.STEERING_GROUP, Role.PROJECT_GROUP)


@members_only
def start(request: HttpRequest) -> HttpResponse:
    """A member's start page: their (first) programme's latest finished period's result goals
    at a glance, with the way to the full report and to the PDFs of that period."""
    if refused := method_not_allowed(request, "GET", "HEAD"):
        return refused
    if not request.GET.get("programme") and not report_programmes(request.user).exists():
        # A member of no programme yet: the start page says so rather than 404.
        return render(request, "reporting/no_programme.html")
    programme = access_programme_reports(request.user, request.GET.get("programme"))
    today = timezone.localdate()
    period = released_default_period(programme, today)
    context = report_context(
        programme=programme,
        period=period,
        organisation=None,
        today=today,
        trend_quarters=[],
        equality=False,
    )
    pdfs = SteeringReport.objects.filter(
        programme=programme, period_start=period.start, period_end=period.end
    ).order_by("-requested_at", "-id")[:3]
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
            "programme": programme,
            "period_query": report_query(programme, period),
        },
    )
