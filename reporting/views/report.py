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
from reporting import intern_sip
from reporting.forms import PeriodForm
from reporting.selectors import default_period, report_context

report_readers_required = role_required(Role.STEERING_GROUP, Role.TEAM_LEAD)


@report_readers_required
def report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    period = default_period(today)
    period_error = False
    if request.GET:
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
        "period_error": period_error,
        "period_query": urlencode(period.as_query()),
    }
    return render(request, "reporting/report.html", context)
