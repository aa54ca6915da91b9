"""Reads the steering-group report shares with the PDFs: the trend over past quarters and the
data-quality warnings. Counts only: nothing here ever names a participant.

Queries: the trend costs the result goals' grouped query (with its savepoint and
``SET LOCAL jit``: 4 queries) once per project quarter, so a trend over N quarters is 4 N
queries whatever the number of participants; the data-quality warnings add one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal.models import Organisation
from plans.models import ContactPath, Goal, IndividualPlan, SubGoal
from reporting.disclosure import protect
from reporting.kpis import TARGET_PERCENT, Scope, participant_figures
from reporting.periods import Period, past_project_quarters

# The goals with a percentage, in the agreement's order (K2 to K5).
PERCENT_GOALS = list(TARGET_PERCENT)


@dataclass(frozen=True)
class TrendRow:
    """One past project quarter: its period and each goal's protected figures."""

    period: Period
    label: str
    kpis: dict[str, dict[str, Any]]


def quarter_label(quarter: Period) -> str:
    """A short axis label for a project quarter: "PQ 3"."""
    return _("PQ %(n)s") % {"n": quarter.as_query()["n"]}


def trend(
    *, until: Period, organisation: Organisation | None = None, today: date | None = None
) -> list[TrendRow]:
    """The project quarters that have ended by ``until``'s end, oldest first, with K2 to K5."""
    rows = []
    today = today or timezone.localdate()
    for quarter in past_project_quarters(until):
        # Only the result goals: the activity figures (three more queries) are not trended.
        scope = Scope(
            period_from=quarter.start, period_to=quarter.end, today=today, organisation=organisation
        )
        figures = protect(participant_figures(scope))
        rows.append(
            TrendRow(
                period=quarter,
                label=quarter_label(quarter),
                kpis={name: figures["kpis"][name] for name in PERCENT_GOALS},
            )
        )
    return rows


def incomplete_plans(
    *, period_from: date, period_to: date, organisation: Organisation | None = None
) -> dict[str, int]:
    """Established plans with a goal without a sub-goal, or no goal, or no contact path.

    The rules of ``plan_establish`` forbid these, so anything above 0 is a data-quality
    problem (a plan changed by hand, or an old import). One query: in the period (established
    within it) and cumulatively (established on or before its end).
    """
    goal_without_sub_goal = Goal.objects.filter(plan=OuterRef("pk")).exclude(
        Exists(SubGoal.objects.filter(goal=OuterRef("pk")))
    )
    incomplete = (
        ~Exists(Goal.objects.filter(plan=OuterRef("pk")))
        | Exists(goal_without_sub_goal)
        | ~Exists(ContactPath.objects.filter(plan=OuterRef("pk")))
    )
    plans = IndividualPlan.objects.filter(
        established_on__isnull=False, established_on__lte=period_to
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
    period_from: date,
    period_to: date,
    organisation: Organisation | None = None,
) -> list[dict[str, Any]]:
    """The warnings of the report, from its figures plus one query: counts, never who.

    Each item has a ``key``, the count ``period`` and the count ``cumulative``.
    """
    k3 = figures["kpis"]["prioritised_contacts_3_months"]
    k4 = figures["kpis"]["self_rating_improved"]
    plans = incomplete_plans(
        period_from=period_from, period_to=period_to, organisation=organisation
    )
    return [
        {
            "key": "missing_rating",
            "period": k4["missing_rating"],
            "cumulative": k4["cumulative"]["missing_rating"],
        },
        {
            "key": "no_contact_registered",
            "period": k3["no_contact_registered"],
            "cumulative": k3["cumulative"]["no_contact_registered"],
        },
        {"key": "incomplete_plans", "period": plans["period"], "cumulative": plans["cumulative"]},
    ]
