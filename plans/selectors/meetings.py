"""Reads of coordination meetings: a participant's list and the report counts (docs/kpis.md)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import DateField, ExpressionWrapper, F, QuerySet

from participants.models import Participant

from ..models import CoordinationMeeting, MeetingStatus
from ..models.meetings import INVITATION_DAYS_AHEAD


def meetings_of(participant: Participant) -> QuerySet[CoordinationMeeting]:
    """The participant's meetings, latest meeting date first, with their invitees."""
    return CoordinationMeeting.objects.filter(participant=participant).prefetch_related("invitees")


def _held(held_from: date, held_to: date) -> QuerySet[CoordinationMeeting]:
    return CoordinationMeeting.objects.filter(
        status=MeetingStatus.HELD, meeting_on__gte=held_from, meeting_on__lte=held_to
    )


def meetings_held(*, held_from: date, held_to: date) -> int:
    """Meetings held with a meeting date in the period (both ends included)."""
    return _held(held_from, held_to).count()


def meetings_invited_late(*, held_from: date, held_to: date) -> int:
    """Held meetings in the period whose invitation went out less than 14 days before."""
    deadline = ExpressionWrapper(
        F("meeting_on") - timedelta(days=INVITATION_DAYS_AHEAD), output_field=DateField()
    )
    return (
        _held(held_from, held_to)
        .filter(invitation_sent_on__isnull=False, invitation_sent_on__gt=deadline)
        .count()
    )
