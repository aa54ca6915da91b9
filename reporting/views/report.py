"""The on-screen steering-group report: the result goals, the trend, the activity figures,
the breakdowns and the data-quality warnings for a chosen period. Counts only.

Every figure goes through ``reporting.disclosure`` (``protected_kpis``): a breakdown cell of
1 to 4 reads "< 5", and nothing on the page names a participant.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cm_portal import access_log
from cm_portal.access import role_required
from cm_portal.models import AccessEvent, Role
from participants.models import Gender
from reporting import selectors
from reporting.charts import Point, percent_bar_chart
from reporting.disclosure import HIDDEN, protected_kpis
from reporting.forms import PeriodForm
from reporting.kpis import AGE_GROUPS, GENDERS, OTHER_AGE, PARTICIPANTS_TARGET, TARGET_PERCENT
from reporting.periods import (
    PARTNERSHIP_START,
    Period,
    finished_project_quarters,
    phase_on,
    project_quarter,
    project_to_date,
)

report_readers_required = role_required(Role.STEERING_GROUP, Role.TEAM_LEAD)

GOAL_NAMES = {
    "plan_within_8_weeks": ("K2", gettext_lazy("Individual plan within 8 weeks")),
    "prioritised_contacts_3_months": (
        "K3",
        gettext_lazy("Prioritised contacts completed at 3 months"),
    ),
    "self_rating_improved": ("K4", gettext_lazy("Self-rated improvement")),
    "crisis_plan_within_8_weeks": ("K5", gettext_lazy("Crisis plan within 8 weeks")),
}
MET = "met"
BELOW = "below"
NO_DATA = "no_data"
TOO_FEW = "too_few"
STATUS_LABELS = {
    TOO_FEW: gettext_lazy("Too few to show"),
    MET: gettext_lazy("Target met"),
    BELOW: gettext_lazy("Below target"),
    NO_DATA: gettext_lazy("No data yet"),
}
STATUS_CLASSES = {
    MET: "text-bg-success",
    BELOW: "text-bg-warning",
    NO_DATA: "text-bg-secondary",
    TOO_FEW: "text-bg-secondary",
}
ACTIVITY_LABELS = {
    "individual_contacts": gettext_lazy("Individual contacts"),
    "unique_persons": gettext_lazy("Unique persons"),
    "information_sessions": gettext_lazy("Information sessions"),
    "information_attendees": gettext_lazy("Attendees at information sessions"),
    "outreach_occasions": gettext_lazy("Outreach occasions"),
    "outreach_hours": gettext_lazy("Outreach hours"),
    "outreach_people_reached": gettext_lazy("People reached by outreach"),
    "meetings_held": gettext_lazy("Coordination meetings held"),
    "meetings_invited_late": gettext_lazy("Meetings invited less than 14 days ahead"),
}
WARNING_LABELS = {
    "missing_rating": gettext_lazy(
        "Participants who ended without both a baseline and a follow-up self-rating (K4)"
    ),
    "no_contact_registered": gettext_lazy(
        "Participants at 3 months with no prioritised contact registered (K3)"
    ),
    "incomplete_plans": gettext_lazy(
        "Established plans with a goal without a sub-goal, or without a contact path"
    ),
}
AGE_LABELS = {**{name: name for name in AGE_GROUPS}, OTHER_AGE: gettext_lazy("Other age")}


def _status(value: Any, target: int) -> dict[str, str]:
    """Target met, below target, or no data yet: text in a badge, not colour alone."""
    if value == HIDDEN:
        key = TOO_FEW
    elif not isinstance(value, int | float):
        key = NO_DATA
    elif value >= target:
        key = MET
    else:
        key = BELOW
    return {"key": key, "label": str(STATUS_LABELS[key]), "css": STATUS_CLASSES[key]}


def _goal_row(code: str, name: str, target: str, shown: dict, status: dict | None) -> dict:
    return {"code": code, "name": name, "target": target, "figures": shown, "status": status}


def _goal_tables(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """K1 to K5 for the period, then cumulatively, each with its status."""
    people = figures["participants"]
    k1_target = _("at least %(target)s over the project") % {"target": PARTICIPANTS_TARGET}
    period_rows = [
        # K1's target is for the whole project: a single period has no status of its own.
        _goal_row(
            "K1",
            _("Participants reached (started)"),
            k1_target,
            {"met": show(people["started"])},
            None,
        ),
    ]
    cumulative_rows = [
        _goal_row(
            "K1",
            _("Participants reached (started)"),
            k1_target,
            {"met": show(people["cumulative_started"])},
            _status(people["cumulative_started"], PARTICIPANTS_TARGET),
        ),
    ]
    for name, (code, label) in GOAL_NAMES.items():
        kpi = figures["kpis"][name]
        target = f"\u2265 {kpi['target_percent']} %"
        for rows, values in ((period_rows, kpi), (cumulative_rows, kpi["cumulative"])):
            rows.append(
                _goal_row(
                    code,
                    str(label),
                    target,
                    _shown(values),
                    _status(values["percent"], kpi["target_percent"]),
                )
            )
    return [
        {"id": "goals-period", "caption": _("Result goals in the period"), "rows": period_rows},
        {
            "id": "goals-cumulative",
            "caption": _("Result goals cumulatively, from the start to the period's end"),
            "rows": cumulative_rows,
        },
    ]


def _breakdown(
    figures: dict[str, Any], key: str, columns: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """One row per figure (started, then each goal's cohort, met and percent), one cell per
    column, as ``protect`` left them: the rows are the ones disclosure control works on."""
    rows = [
        {
            "label": _("Started in the period"),
            "cells": [
                {"column": heading, "value": show(figures["participants"][key].get(column))}
                for column, heading in columns
            ],
        }
    ]
    for name, (code, label) in GOAL_NAMES.items():
        cells = figures["kpis"][name][key]
        cohort_key = "evaluable" if name == "self_rating_improved" else "cohort"
        for part, part_label in (
            (cohort_key, _("evaluable") if cohort_key == "evaluable" else _("cohort")),
            ("met", _("met")),
            ("percent", _("percent")),
        ):
            rows.append(
                {
                    "label": f"{code} {label}: {part_label}",
                    "cells": [
                        {
                            "column": heading,
                            "value": show(
                                cells.get(column, {}).get(part), percent=part == "percent"
                            ),
                        }
                        for column, heading in columns
                    ],
                }
            )
    return rows


def _trend_cell(code: str, name: str, kpi: dict[str, Any]) -> dict[str, str]:
    base = "evaluable" if name == "self_rating_improved" else "cohort"
    return {
        "code": code,
        "met": show(kpi["met"]),
        "base": show(kpi[base]),
        "percent": show(kpi["percent"], percent=True),
    }


def _charts(trend: list[selectors.TrendRow]) -> list[dict[str, Any]]:
    charts = []
    for name, (code, label) in GOAL_NAMES.items():
        target = TARGET_PERCENT[name]
        points = [
            Point(
                label=row.label,
                percent=_number(row.kpis[name]["percent"]),
                text=show(row.kpis[name]["percent"], percent=True),
            )
            for row in trend
        ]
        described = "; ".join(
            f"{row.label}: {show(row.kpis[name]['percent'], percent=True)}" for row in trend
        )
        charts.append(
            {
                "code": code,
                "name": str(label),
                "svg": percent_bar_chart(
                    chart_id=f"trend-{code.lower()}",
                    title=_("%(code)s %(name)s by project quarter, in percent")
                    % {"code": code, "name": label},
                    description=_("Target %(target)s %%. %(values)s")
                    % {"target": target, "values": described},
                    points=points,
                    target=target,
                    target_label=_("Target %(target)s %%") % {"target": target},
                ),
            }
        )
    return charts


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) else None


def show(value: Any, *, percent: bool = False) -> str:
    """A figure as text: numbers in the active language's format, HIDDEN for nothing, and the
    disclosure marks (SMALL, HIDDEN) as they are."""
    if value is None:
        return HIDDEN
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = formats.number_format(value, decimal_pos=1 if isinstance(value, float) else None)
    return f"{text} %" if percent else text


def _shown(figures: dict[str, Any]) -> dict[str, str]:
    return {
        key: show(value, percent=key == "percent")
        for key, value in figures.items()
        if not isinstance(value, dict)
    }


def default_period(today: date) -> Period:
    """The latest finished project quarter, or the project to date before the first ends
    (quarter 1 before the partnership starts)."""
    finished = finished_project_quarters(today)
    if finished:
        return finished[-1]
    if today < PARTNERSHIP_START:
        return project_quarter(1)
    return project_to_date(today)


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
    figures = protected_kpis(period=period, organisation=organisation, today=today)
    trend = selectors.trend(until=period, organisation=organisation, today=today)
    warnings = selectors.data_quality(
        figures, period_from=period.start, period_to=period.end, organisation=organisation
    )
    access_log.record(
        action=AccessEvent.Action.VIEW,
        request=request,
        object_type="report",
        detail=f"{period.start.isoformat()}..{period.end.isoformat()}",
    )
    genders = [(str(gender), str(Gender(gender).label)) for gender in GENDERS]
    ages = [(age, str(AGE_LABELS[age])) for age in [*AGE_GROUPS, OTHER_AGE]]
    return render(
        request,
        "reporting/report.html",
        {
            "form": form,
            "period": period,
            "organisation": organisation,
            "phase": phase_on(period.end),
            "goal_tables": _goal_tables(figures),
            "activity": [
                (label, show(figures["activity"][key])) for key, label in ACTIVITY_LABELS.items()
            ],
            "gender_columns": [label for _key, label in genders],
            "by_gender": _breakdown(figures, "by_gender", genders),
            "age_columns": [label for _key, label in ages],
            "by_age_group": _breakdown(figures, "by_age_group", ages),
            "trend": [
                {
                    "label": row.label,
                    "cells": [
                        _trend_cell(code, name, row.kpis[name])
                        for name, (code, _label) in GOAL_NAMES.items()
                    ],
                }
                for row in trend
            ],
            "goal_codes": [code for code, _label in GOAL_NAMES.values()],
            "charts": _charts(trend),
            "warnings": [
                {**warning, "label": WARNING_LABELS[warning["key"]]} for warning in warnings
            ],
            "period_error": period_error,
            "period_query": urlencode(period.as_query()),
        },
    )
