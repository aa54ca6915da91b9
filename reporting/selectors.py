"""The steering report, one computation for every output: ``report_context`` holds the
figures of a period (disclosure-controlled), the goal statuses, the breakdowns, the trend over
project quarters, the charts (``reporting.charts``) and the data-quality warnings. The page
(``templates/reporting/report.html``), the PDF (``services.steering_report_context``) and the
exports (``exports.report_figures``) all read it. Counts only: nothing here names anyone.

Queries: the trend costs the result goals' grouped query (with its savepoint and
``SET LOCAL jit``: 4 queries) once per project quarter, so a trend over N quarters is 4 N
queries whatever the number of participants, plus one that reads the quarters retention
has frozen; the data-quality warnings add one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cm_portal.models import Organisation
from cm_portal.programmes.goals import CATALOGUE, GoalKind
from cm_portal.programmes.models import Programme
from consent.models import Consent
from participants.models import Gender, Participant
from plans.models import ContactPath, Goal, IndividualPlan, SubGoal
from reporting.charts import Point, percent_bar_chart
from reporting.disclosure import HIDDEN, protect, protected_kpis
from reporting.equality import equality_view
from reporting.kpis import (
    GENDERS,
    OTHER_AGE,
    Scope,
    age_groups,
    computed_participant_figures,
    facts_maintained,
    frozen_figures_of,
    goal_definitions,
    percent_goals,
    programme_goals,
)
from reporting.models import KpiFacts
from reporting.periods import (
    Period,
    finished_project_quarters,
    past_project_quarters,
    phase_on,
    project_quarter,
    project_to_date,
)


@dataclass(frozen=True)
class TrendRow:
    """One past project quarter: its period and each goal's protected figures."""

    period: Period
    label: str
    kpis: dict[str, dict[str, Any]]
    started: int = 0  # K1: started in the quarter (a total, never suppressed)


def quarter_label(quarter: Period) -> str:
    """A short axis label for a project quarter: "PQ 3"."""
    return _("PQ %(n)s") % {"n": quarter.as_query()["n"]}


def trend(
    *,
    programme: Programme,
    until: Period | None = None,
    quarters: list[Period] | None = None,
    organisation: Organisation | None = None,
    today: date | None = None,
) -> list[TrendRow]:
    """``quarters`` (by default the project quarters that have ended by ``until``'s end),
    oldest first, with K1 started and K2 to K5."""
    rows = []
    today = today or timezone.localdate()
    if quarters is None:
        if until is None:
            raise TypeError("trend() needs until or quarters")
        quarters = past_project_quarters(programme, until)
    # Quarters retention has frozen (reporting.retention) are read, the others computed.
    frozen = frozen_figures_of([(q.start, q.end) for q in quarters], programme, organisation)
    keys = list(percent_goals(programme).values())
    for quarter in quarters:
        # Only the result goals: the activity figures (three more queries) are not trended.
        scope = Scope.of_period(
            quarter, today=today, programme=programme, organisation=organisation
        )
        raw = frozen.get((quarter.start, quarter.end)) or computed_participant_figures(scope)
        figures = protect(raw)
        rows.append(
            TrendRow(
                period=quarter,
                label=quarter_label(quarter),
                kpis={name: figures["kpis"][name] for name in keys},
                started=figures["participants"]["started"],
            )
        )
    return rows


def incomplete_plans(
    *,
    programme: Programme,
    period_from: date,
    period_to: date,
    organisation: Organisation | None = None,
) -> dict[str, int]:
    """Established plans with a goal without a sub-goal, or no goal, or no contact path.

    The rules of ``plan_establish`` forbid these, so anything above 0 is a data-quality
    problem (a plan changed by hand, or an old import). One query: in the period (established
    within it) and cumulatively (established on or before its end).
    """
    if facts_maintained():
        # The facts' column (kpis.plan_incomplete: the same conditions), beside plan_on.
        facts = KpiFacts.objects.filter(
            programme=programme,
            plan_incomplete=True,
            plan_on__isnull=False,
            plan_on__lte=period_to,
        )
        if organisation is not None:
            facts = facts.filter(organisation=organisation)
        return facts.aggregate(
            period=Count("pk", filter=Q(plan_on__gte=period_from)), cumulative=Count("pk")
        )
    goal_without_sub_goal = Goal.objects.filter(plan=OuterRef("pk")).exclude(
        Exists(SubGoal.objects.filter(goal=OuterRef("pk")))
    )
    incomplete = (
        ~Exists(Goal.objects.filter(plan=OuterRef("pk")))
        | Exists(goal_without_sub_goal)
        | ~Exists(ContactPath.objects.filter(plan=OuterRef("pk")))
    )
    plans = IndividualPlan.objects.filter(
        participant__programme=programme,
        established_on__isnull=False,
        established_on__lte=period_to,
    )
    if organisation is not None:
        plans = plans.filter(participant__organisation=organisation)
    return plans.filter(incomplete).aggregate(
        period=Count("pk", filter=Q(established_on__gte=period_from)),
        cumulative=Count("pk"),
    )


def data_quality(
    figures: dict[str, Any],
    *,
    programme: Programme,
    period_from: date,
    period_to: date,
    organisation: Organisation | None = None,
) -> list[dict[str, Any]]:
    """The warnings of the report, from its figures plus one query: counts, never who.
    Only those of the programme's goals (a goal it does not have warns of nothing).

    Each item has a ``key``, the count ``period`` and the count ``cumulative``.
    """
    warnings = []
    if k4 := figures["kpis"].get("self_rating_improved"):
        warnings.append(
            {
                "key": "missing_rating",
                "period": k4["missing_rating"],
                "cumulative": k4["cumulative"]["missing_rating"],
            }
        )
    if k3 := figures["kpis"].get("prioritised_contacts_3_months"):
        warnings.append(
            {
                "key": "no_contact_registered",
                "period": k3["no_contact_registered"],
                "cumulative": k3["cumulative"]["no_contact_registered"],
            }
        )
    plans = incomplete_plans(
        programme=programme, period_from=period_from, period_to=period_to, organisation=organisation
    )
    warnings.append(
        {"key": "incomplete_plans", "period": plans["period"], "cumulative": plans["cumulative"]}
    )
    return warnings


def labelled_warnings(
    figures: dict[str, Any],
    *,
    programme: Programme,
    period: Period,
    organisation: Organisation | None = None,
) -> list[dict[str, Any]]:
    """The data-quality warnings with their labels, as the page and the PDF show them
    (``templates/reporting/_data_quality.html``): one definition of each figure."""
    warnings = data_quality(
        figures,
        programme=programme,
        period_from=period.start,
        period_to=period.end,
        organisation=organisation,
    )
    return [{**warning, "label": WARNING_LABELS[warning["key"]]} for warning in warnings]


# --- The report as the templates show it ----------------------------------------------

DAYS_PER_WEEK = 7


def _window(days: int) -> str:
    if days % DAYS_PER_WEEK == 0:
        return _("%(weeks)d weeks") % {"weeks": days // DAYS_PER_WEEK}
    return _("%(days)d days") % {"days": days}


def goal_name(goal) -> str:
    """A goal's name with its parameters, as the page, the PDF and the exports show it."""
    if goal.kind == GoalKind.PLAN_WITHIN_WINDOW:
        return _("Individual plan within %(window)s") % {"window": _window(goal.window_days)}
    if goal.kind == GoalKind.PRIORITISED_CONTACTS_BY_HORIZON:
        return _("Prioritised contacts completed at %(months)d months") % {
            "months": goal.horizon_months
        }
    if goal.kind == GoalKind.CRISIS_PLAN_WITHIN_WINDOW:
        return _("Crisis plan within %(window)s") % {"window": _window(goal.window_days)}
    if goal.kind == GoalKind.INTERN_SIP_OFFERED:
        return _("Offered an Intern-SIP (the target group)")
    return str(goal.get_kind_display())


def goal_names(programme: Programme) -> dict[str, tuple[str, str]]:
    """The programme's goals with a percentage: key in the figures -> (code, name)."""
    goals = programme_goals(programme)
    return {
        key: (CATALOGUE[kind].code, goal_name(goals[kind]))
        for kind, key in percent_goals(programme).items()
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


def activity_labels(programme: Programme) -> dict[str, str]:
    labels = {key: str(label) for key, label in ACTIVITY_LABELS.items()}
    labels["meetings_invited_late"] = _("Meetings invited less than %(days)d days ahead") % {
        "days": programme.invitation_days_ahead
    }
    return labels


ACTIVITY_LABELS = {
    "individual_contacts": gettext_lazy("Individual contacts"),
    "unique_persons": gettext_lazy("Unique persons"),
    "information_sessions": gettext_lazy("Information sessions"),
    "information_attendees": gettext_lazy("Attendees at information sessions"),
    "outreach_occasions": gettext_lazy("Outreach occasions"),
    "outreach_hours": gettext_lazy("Outreach hours"),
    "outreach_people_reached": gettext_lazy("People reached by outreach"),
    "meetings_held": gettext_lazy("Coordination meetings held"),
    "meetings_invited_late": "",  # activity_labels: the programme's days
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


def age_labels(programme: Programme) -> dict[str, str]:
    return {**{name: name for name in age_groups(programme)}, OTHER_AGE: str(_("Other age"))}


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


def _goals(figures: dict[str, Any], names: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """K2 to K5, each with its figures as computed (``now``, protected) and its row in the
    period and cumulatively, shown and with a status: the page and the PDF lay these out."""
    goals = []
    for name, (code, label) in names.items():
        kpi = figures["kpis"][name]
        target = f"\u2265 {kpi['target_percent']} %"
        period_row, cumulative_row = (
            _goal_row(
                code,
                str(label),
                target,
                _shown(values),
                _status(values["percent"], kpi["target_percent"]),
            )
            for values in (kpi, kpi["cumulative"])
        )
        goals.append(
            {
                "code": code,
                "name": str(label),
                "target": target,
                "now": kpi,
                "period": period_row,
                "cumulative": cumulative_row,
            }
        )
    return goals


def _goal_tables(figures: dict[str, Any], goals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """K1 to K5 (the programme's goals) for the period, then cumulatively, each with its
    status."""
    people = figures["participants"]
    target = people["target"]
    k1_target = (
        _("at least %(target)s over the project") % {"target": target} if target else "\u2013"
    )
    k1_name = _("Participants reached (started)")
    # K1's target is for the whole project: a single period has no status of its own.
    period_k1 = _goal_row("K1", k1_name, k1_target, {"met": show(people["started"])}, None)
    cumulative_k1 = _goal_row(
        "K1",
        k1_name,
        k1_target,
        {"met": show(people["cumulative_started"])},
        _status(people["cumulative_started"], target) if target else None,
    )
    return [
        {
            "id": "goals-period",
            "caption": _("Result goals in the period"),
            "rows": [period_k1, *(goal["period"] for goal in goals)],
        },
        {
            "id": "goals-cumulative",
            "caption": _("Result goals cumulatively, from the start to the period's end"),
            "rows": [cumulative_k1, *(goal["cumulative"] for goal in goals)],
        },
    ]


def breakdown_row(label: str, short: str, columns: list[str], cells: list[str]) -> dict:
    """``label`` for the page, ``short`` for the narrower print; ``cells`` in column order,
    and ``labelled`` the same with their column (the page's ``data-label`` at 375 px)."""
    return {
        "label": label,
        "short": short,
        "cells": cells,
        "labelled": list(zip(columns, cells, strict=True)),
    }


def _breakdown(
    figures: dict[str, Any],
    key: str,
    columns: list[tuple[str, str]],
    names: dict[str, tuple[str, str]],
) -> list[dict[str, Any]]:
    """One row per figure (started, then each goal's cohort, met and percent), one cell per
    column, as ``protect`` left them: the rows are the ones disclosure control works on."""
    headings = [heading for _column, heading in columns]
    started = figures["participants"][key]
    rows = [
        breakdown_row(
            _("Started in the period"),
            _("K1 started in the period"),
            headings,
            [show(started.get(column)) for column, _heading in columns],
        )
    ]
    for name, (code, label) in names.items():
        cells = figures["kpis"][name][key]
        cohort_key = "evaluable" if name == "self_rating_improved" else "cohort"
        for part, part_label, short in (
            (
                cohort_key,
                _("evaluable") if cohort_key == "evaluable" else _("cohort"),
                _("counted"),
            ),
            ("met", _("met"), _("met")),
            ("percent", _("percent"), _("%")),
        ):
            rows.append(
                breakdown_row(
                    f"{code} {label}: {part_label}",
                    f"{code} {short}",
                    headings,
                    [
                        show(cells.get(column, {}).get(part), percent=part == "percent")
                        for column, _heading in columns
                    ],
                )
            )
    return rows


def _breakdowns(
    figures: dict[str, Any], programme: Programme, names: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    """The breakdowns by gender and by the programme's age groups at start, after
    disclosure control."""
    genders = [(str(gender), str(Gender(gender).label)) for gender in GENDERS]
    ages = list(age_labels(programme).items())
    return [
        {
            "id": "breakdown-gender",
            "heading": _("By gender"),
            "caption": _("Started and result goals in the period, by gender"),
            "columns": [label for _key, label in genders],
            "rows": _breakdown(figures, "by_gender", genders, names),
        },
        {
            "id": "breakdown-age",
            "heading": _("By age group at start"),
            "caption": _("Started and result goals in the period, by age group at start"),
            "columns": [label for _key, label in ages],
            "rows": _breakdown(figures, "by_age_group", ages, names),
        },
    ]


def _trend_cell(code: str, name: str, kpi: dict[str, Any]) -> dict[str, str]:
    base = "evaluable" if name == "self_rating_improved" else "cohort"
    return {
        "code": code,
        "met": show(kpi["met"]),
        "base": show(kpi[base]),
        "percent": show(kpi["percent"], percent=True),
    }


def _charts(
    trend: list[TrendRow], figures: dict[str, Any], names: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    charts = []
    for name, (code, label) in names.items():
        target = figures["kpis"][name]["target_percent"]
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


def default_period(programme: Programme, today: date) -> Period:
    """The latest finished project quarter, or the project to date before the first ends
    (quarter 1 before the programme starts)."""
    finished = finished_project_quarters(programme, today)
    if finished:
        return finished[-1]
    if today < programme.start:
        return project_quarter(programme, 1)
    return project_to_date(programme, today)


@dataclass(frozen=True)
class ResearchConsents:
    on: date
    count: int


def research_consents(
    *, programme: Programme, period: Period, organisation: Organisation | None, today: date
) -> ResearchConsents:
    """How many of the programme's participants have a research consent valid on the
    period's last day (today for a period not yet over): those its research exports may
    include. A total, shown as it is, like the participants reached."""
    day = min(period.end, today)
    consents = Consent.objects.filter(Consent.valid_on(day), research=True)
    participants = Participant.objects.filter(
        programme=programme, pk__in=consents.values("participant_id")
    )
    if organisation is not None:
        participants = participants.filter(organisation=organisation)
    return ResearchConsents(on=day, count=participants.count())


def report_context(
    *,
    programme: Programme,
    period: Period,
    organisation: Organisation | None = None,
    today: date | None = None,
    trend_quarters: list[Period] | None = None,
    equality: bool = True,
) -> dict[str, Any]:
    """The report on ``programme`` for ``period``, computed once and disclosure-controlled:
    the page (``templates/reporting/report.html``), the PDF (``services.steering_report_context``)
    and the exports (``exports``) all read it, so each figure has one definition.

    ``figures`` is ``protected_kpis`` as is (the exports' rows); the rest is formatted for
    the templates. ``organisation`` limits the figures to one organisation (a team lead's);
    ``None`` is all. ``trend_quarters`` are the quarters of the trend (by default those
    ended by the period's end; ``[]`` for none, as the exports need no trend). ``equality``
    False leaves the equality view out (``None``) where it is not shown: the quarterly PDF,
    the exports, a member's start page.
    """
    today = today or timezone.localdate()
    figures = protected_kpis(
        programme=programme, period=period, organisation=organisation, today=today
    )
    if trend_quarters is None:
        trend_quarters = past_project_quarters(programme, period)
    trend_rows = (
        trend(
            programme=programme,
            quarters=trend_quarters,
            organisation=organisation,
            today=today,
        )
        if trend_quarters
        else []
    )
    names = goal_names(programme)
    goals = _goals(figures, names)
    goal_tables = _goal_tables(figures, goals)
    return {
        "programme": programme,
        "goal_definitions": _described_definitions(programme),
        "period": period,
        "organisation": organisation,
        "phase": phase_on(programme, period.end),
        "figures": figures,
        "reached": figures["participants"],
        "k1": goal_tables[1]["rows"][0],  # K1 cumulatively: its target is the project's
        "goals": goals,
        "goal_tables": goal_tables,
        "activity": [
            (label, show(figures["activity"][key]))
            for key, label in activity_labels(programme).items()
        ],
        "breakdowns": _breakdowns(figures, programme, names),
        "trend": [
            {
                "label": row.label,
                "started": row.started,
                "cells": [
                    _trend_cell(code, name, row.kpis[name])
                    for name, (code, _label) in names.items()
                ],
            }
            for row in trend_rows
        ],
        "goal_codes": [code for code, _label in names.values()],
        "charts": _charts(trend_rows, figures, names),
        "warnings": labelled_warnings(
            figures, programme=programme, period=period, organisation=organisation
        ),
        "research_consents": research_consents(
            programme=programme, period=period, organisation=organisation, today=today
        ),
        # The equality view (reporting.equality): four more queries.
        "equality": equality_view(
            scope=Scope.of_period(
                period, today=today, programme=programme, organisation=organisation
            ),
            figures=figures,
            goals=names,
        )
        if equality
        else None,
    }


def _described_definitions(programme: Programme) -> list[dict[str, Any]]:
    """Which goal definitions the report used: each goal's name, version and since when."""
    goals = programme_goals(programme)
    return [
        definition
        | {
            "code": CATALOGUE[definition["kind"]].code,
            "name": goal_name(goals[definition["kind"]]),
        }
        for definition in goal_definitions(programme)
    ]
