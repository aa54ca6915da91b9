"""The dates the goals are measured against (docs/kpis.md, "Deadlines"), from the
participant's programme: its goals' windows and horizon and its deadline distances are data.

A programme without the goal a deadline belongs to has no such deadline (``None``).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from cm_portal.programmes.goals import GoalKind
from cm_portal.programmes.models import ProgrammeGoal
from participants.models import Participant


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _goal(participant: Participant, kind: str):
    """The participant's programme's goal of ``kind``: from the goals read with the
    programme when they were (the nightly run prefetches them), else one query."""
    programme = participant._state.fields_cache.get("programme")
    if programme is not None and "goals" in getattr(programme, "_prefetched_objects_cache", {}):
        return next((goal for goal in programme.goals.all() if goal.kind == kind), None)
    return ProgrammeGoal.objects.filter(programme_id=participant.programme_id, kind=kind).first()


def plan_deadline(participant: Participant) -> date | None:
    """D2 = start + the programme's plan window (established on its last day is in time,
    the day after is not)."""
    goal = _goal(participant, GoalKind.PLAN_WITHIN_WINDOW)
    return participant.intervention_start + timedelta(days=goal.window_days) if goal else None


def crisis_plan_deadline(participant: Participant) -> date | None:
    """Start + the programme's crisis-plan window (crisis-relevant participants)."""
    goal = _goal(participant, GoalKind.CRISIS_PLAN_WITHIN_WINDOW)
    return participant.intervention_start + timedelta(days=goal.window_days) if goal else None


def plan_window_opens(participant: Participant) -> date:
    """When the plan's (and the crisis plan's) window opens."""
    return participant.intervention_start + timedelta(
        days=participant.programme.plan_window_opens_days
    )


def horizon_date(participant: Participant) -> date | None:
    """D3 = start + the programme's horizon in calendar months: the last of November + 3
    months gives the last of February."""
    goal = _goal(participant, GoalKind.PRIORITISED_CONTACTS_BY_HORIZON)
    return add_months(participant.intervention_start, goal.horizon_months) if goal else None


def horizon_window_opens(participant: Participant, horizon: date) -> date:
    return horizon - timedelta(days=participant.programme.horizon_window_days)


def baseline_rating_due(participant: Participant) -> date:
    """The baseline self-rating is due this many days after the start."""
    return participant.intervention_start + timedelta(
        days=participant.programme.baseline_rating_days
    )


def follow_up_window_opens(participant: Participant, follow_up_on: date) -> date:
    """When a follow-up meeting's window opens: the programme's distance before its date."""
    return follow_up_on - timedelta(days=participant.programme.follow_up_window_days)


def asked_for_due(participant: Participant, asked_on: date) -> date:
    """An Intern-SIP the participant asked for is held within the programme's days."""
    return asked_on + timedelta(days=participant.programme.asked_for_hold_days)


def invitation_due(participant: Participant, meeting_on: date) -> date:
    """The last day a meeting's invitation is in time."""
    return meeting_on - timedelta(days=participant.programme.invitation_days_ahead)
