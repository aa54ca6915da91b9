"""Reads for the case workers' start page and their reminders.

The names and meanings are those of ``plans.selectors.deadlines`` (the deadline engine); the
dashboard pages read only through these functions, so one import line changes when they meet.
Each function makes a fixed number of queries, whatever the number of deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from cm_portal.models import User
from participants.models import Participant, ParticipantUserObjectPermission

from ..models import Deadline, DeadlineState, Reminder

ASSIGNED = "change_participant"  # the object permission that assigns a case manager
DUE_STATES = (DeadlineState.OPEN, DeadlineState.OVERDUE)


def _assigned_participants(user: User) -> QuerySet[Participant]:
    """Participants assigned to the user by name: a consent grant or a team lead's reach
    over the organisation does not count (read straight from the permission rows)."""
    return Participant.objects.filter(
        participantuserobjectpermission__user=user,
        participantuserobjectpermission__permission__codename=ASSIGNED,
    )


def _most_urgent_first(deadlines: QuerySet[Deadline]) -> QuerySet[Deadline]:
    """Overdue before open; within each, the oldest due date first."""
    overdue_first = Case(
        When(state=DeadlineState.OVERDUE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return deadlines.annotate(urgency=overdue_first).order_by("urgency", "due_on", "id")


def _due(today: date) -> QuerySet[Deadline]:
    # ``today`` is part of the contract (the engine's states are as of the last run); the
    # page uses it for "days left", so the read itself needs no clock.
    del today
    return Deadline.objects.filter(state__in=DUE_STATES).select_related("participant")


def deadlines_due_for(user: User, *, today: date) -> QuerySet[Deadline]:
    """Open and overdue deadlines of the participants assigned to the user, most urgent first."""
    if not user.is_active or not user.works_with_cases:
        return Deadline.objects.none()
    mine = _assigned_participants(user).values("pk")
    return _most_urgent_first(_due(today).filter(participant__in=mine))


@dataclass
class CaseManagerDeadlines:
    """One section of the team lead's page; ``case_manager`` is None for "Not assigned"."""

    case_manager: User | None
    deadlines: list[Deadline] = field(default_factory=list)


def deadlines_by_case_manager(team_lead: User, *, today: date) -> list[CaseManagerDeadlines]:
    """The organisation's open and overdue deadlines, a section per assigned case manager
    (by name) and a last one for participants nobody is assigned to. A participant with two
    case managers is listed under both. Two queries."""
    if not team_lead.is_active or not team_lead.is_team_lead:
        return []
    deadlines = list(
        _most_urgent_first(
            _due(today).filter(participant__organisation_id=team_lead.organisation_id)
        )
    )
    assignments = ParticipantUserObjectPermission.objects.filter(
        content_object_id__in={deadline.participant_id for deadline in deadlines},
        permission__codename=ASSIGNED,
    ).select_related("user")
    case_managers: dict[int, User] = {}
    assigned_to: dict[int, list[int]] = {}
    for row in assignments:
        case_managers[row.user_id] = row.user
        assigned_to.setdefault(row.content_object_id, []).append(row.user_id)
    sections = {
        pk: CaseManagerDeadlines(user)
        for pk, user in sorted(case_managers.items(), key=lambda item: (item[1].name, item[0]))
    }
    unassigned = CaseManagerDeadlines(None)
    for deadline in deadlines:
        for user_pk in assigned_to.get(deadline.participant_id, []):
            sections[user_pk].deadlines.append(deadline)
        if deadline.participant_id not in assigned_to:
            unassigned.deadlines.append(deadline)
    result = list(sections.values())
    if unassigned.deadlines:
        result.append(unassigned)
    return result


def _reminders(user: User) -> QuerySet[Reminder]:
    """The user's own reminders about participants they may still change: after a transfer
    the old case manager no longer sees the references of someone else's caseload."""
    if not user.is_authenticated or not user.is_active or not user.works_with_cases:
        return Reminder.objects.none()
    # The same rule as ``participants_for(user, need="change")``, written without guardian's
    # look-ups so that the count in the navigation stays one query.
    changeable = Q(deadline__participant__in=_assigned_participants(user).values("pk"))
    if user.is_team_lead:
        changeable |= Q(deadline__participant__organisation_id=user.organisation_id)
    return Reminder.objects.filter(changeable, recipient=user)


def reminders_for(user: User) -> QuerySet[Reminder]:
    """The user's reminders, newest first, with the deadline and participant loaded."""
    return _reminders(user).select_related("deadline__participant").order_by("-created_at", "-id")


def unread_reminders_count(user: User) -> int:
    """How many of the user's reminders are unread: one COUNT query."""
    return _reminders(user).filter(read_at__isnull=True).count()
