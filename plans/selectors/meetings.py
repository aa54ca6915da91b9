"""Reads of coordination meetings: a participant's list and the report counts (docs/kpis.md)."""

from __future__ import annotations

from datetime import date

from django.db.models import DateField, ExpressionWrapper, F, QuerySet

from participants.models import Participant

from ..models import CoordinationMeeting, MeetingAction, MeetingOffer, MeetingStatus


def meetings_of(participant: Participant) -> QuerySet[CoordinationMeeting]:
    """The participant's meetings, latest meeting date first, with their invitees."""
    return CoordinationMeeting.objects.filter(participant=participant).prefetch_related("invitees")


def offers_of(participant: Participant) -> QuerySet[MeetingOffer]:
    """The participant's Intern-SIP offers, latest first, with who made them."""
    return MeetingOffer.objects.filter(participant=participant).select_related("offered_by")


def actions_by_goal(participant: Participant) -> dict[int, list[MeetingAction]]:
    """Agreed actions linked to a goal of the participant's plan, by goal id (the plan page
    shows them with their goal)."""
    actions = (
        MeetingAction.objects.filter(
            meeting__participant=participant,
            meeting__status=MeetingStatus.HELD,
            goal__isnull=False,
        )
        .select_related("meeting")
        .order_by("due_on", "pk")
    )
    result: dict[int, list[MeetingAction]] = {}
    for action in actions:
        result.setdefault(action.goal_id or 0, []).append(action)
    return result


def _held(held_from: date, held_to: date) -> QuerySet[CoordinationMeeting]:
    return CoordinationMeeting.objects.filter(
        status=MeetingStatus.HELD, meeting_on__gte=held_from, meeting_on__lte=held_to
    )


def meetings_held(*, held_from: date, held_to: date) -> int:
    """Meetings held with a meeting date in the period (both ends included)."""
    return _held(held_from, held_to).count()


def meetings_invited_late(*, held_from: date, held_to: date) -> int:
    """Held meetings in the period whose invitation went out later than their programme's
    days before the meeting."""
    # date - integer is a date in PostgreSQL.
    deadline = ExpressionWrapper(
        F("meeting_on") - F("participant__programme__invitation_days_ahead"),
        output_field=DateField(),
    )
    return (
        _held(held_from, held_to)
        .filter(invitation_sent_on__isnull=False, invitation_sent_on__gt=deadline)
        .count()
    )
