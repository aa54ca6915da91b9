"""Reads of deadlines and reminders for the start pages and the notification list.

The stored ``state`` is as of the last recomputation (on every case change, and nightly).
These reads judge open/overdue against ``today`` themselves, so a start page read before
the nightly run (or with the nightly run late) still shows what is due today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from cm_portal.models import User
from participants.access import participants_for
from participants.models import Participant, ParticipantUserObjectPermission

from ..deadlines import crisis_plan_deadline, plan_deadline
from ..models import Deadline, DeadlineState, Reminder, VersionedPlan

# Deadlines that may still be fulfilled (met and void are final until case data changes).
_PENDING = (DeadlineState.UPCOMING, DeadlineState.OPEN, DeadlineState.OVERDUE)
_ASSIGNED = "change_participant"


@dataclass(frozen=True)
class PlanDue:
    """Where a plan stands against its due date (D2), as the plan pages show it."""

    deadline: date
    met: bool  # established on or before the due date
    overdue: bool  # not established, and the due date has passed


def plan_due(
    participant: Participant, plan: VersionedPlan | None, *, today: date, crisis: bool = False
) -> PlanDue:
    """The individual or crisis plan (``None`` before its first save) against its deadline
    (the programme's window; none when the programme has no such goal)."""
    deadline = crisis_plan_deadline(participant) if crisis else plan_deadline(participant)
    established_on = plan.established_on if plan is not None else None
    return PlanDue(
        deadline=deadline,
        met=deadline is not None and established_on is not None and established_on <= deadline,
        overdue=deadline is not None and established_on is None and today > deadline,
    )


def _due(today: date) -> Q:
    return Q(state__in=_PENDING, window_opens__lte=today)


def _due_deadlines(participants: QuerySet[Participant], today: date) -> QuerySet[Deadline]:
    """Open and overdue deadlines of these participants, overdue first, each by due date.

    Each row carries ``urgency`` (0 overdue as of ``today``, 1 open) and ``participant``
    (with its organisation) already loaded.
    """
    return (
        Deadline.objects.filter(_due(today), participant__in=participants)
        .annotate(
            urgency=Case(
                When(due_on__lt=today, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .select_related("participant", "participant__organisation")
        .order_by("urgency", "due_on", "participant__reference", "id")
    )


def deadlines_due_for(user: User, *, today: date) -> QuerySet[Deadline]:
    """The open and overdue deadlines of the participants this user may change, most urgent
    first (overdue by due date, then open by due date). ``urgency`` is 0 when overdue."""
    return _due_deadlines(participants_for(user, need="change"), today)


def deadlines_by_case_manager(
    team_lead: User, *, today: date
) -> list[tuple[User | None, list[Deadline]]]:
    """The team lead's organisation's due deadlines, grouped by assigned case manager.

    Case managers by name; a participant with two case managers appears under both; the
    deadlines of participants nobody is assigned to come last, under ``None``.
    Two queries, whatever the number of participants.
    """
    if not team_lead.is_active or not team_lead.is_team_lead:
        return []
    participants = Participant.objects.filter(organisation_id=team_lead.organisation_id)
    deadlines = list(_due_deadlines(participants, today))
    if not deadlines:
        return []
    assignments = ParticipantUserObjectPermission.objects.filter(
        permission__codename=_ASSIGNED,
        content_object_id__in={deadline.participant_id for deadline in deadlines},
    ).select_related("user")
    managers_of: dict[int, list[User]] = defaultdict(list)
    for row in assignments:
        managers_of[row.content_object_id].append(row.user)
    groups: dict[User | None, list[Deadline]] = defaultdict(list)
    for deadline in deadlines:
        for manager in managers_of.get(deadline.participant_id) or [None]:
            groups[manager].append(deadline)
    named = sorted((user for user in groups if user is not None), key=lambda u: (u.name, u.pk))
    result: list[tuple[User | None, list[Deadline]]] = [(user, groups[user]) for user in named]
    if None in groups:
        result.append((None, groups[None]))
    return result


def reminders_for(user: User) -> QuerySet[Reminder]:
    """The user's reminders, newest first, with deadline and participant loaded.

    Only those about participants the user may still change: a reminder about someone
    since reassigned to a colleague no longer shows.
    """
    return (
        Reminder.objects.filter(
            recipient=user,
            deadline__participant__in=participants_for(user, need="change"),
        )
        .select_related("deadline", "deadline__participant")
        .order_by("-created_at", "-id")
    )


def unread_reminders_count(user: User) -> int:
    """How many of the user's reminders (as ``reminders_for``) are unread."""
    if not user.is_authenticated:
        return 0
    return reminders_for(user).filter(read_at__isnull=True).count()
