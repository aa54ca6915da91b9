"""The one way to fetch a plan object that is not reached through its participant's URL.

Each goes through ``access_participant``, so the participant's rules decide and a refusal
is a 404 exactly like a missing object. Objects under a participant's URL (goals, contact
paths, prioritised contacts) are fetched from that participant's own related managers.
"""

from __future__ import annotations

from django.http import Http404

from cm_portal.models import User
from participants.access import Need, access_participant

from .models import CoordinationMeeting, PlanDocument


def access_meeting(user: User, pk: int, *, need: Need = "view") -> CoordinationMeeting:
    """Fetch a coordination meeting whose participant the user may see (or change); else 404."""
    if not user.is_authenticated:
        raise Http404
    meeting = CoordinationMeeting.objects.filter(pk=pk).first()
    if meeting is None:
        raise Http404
    meeting.participant = access_participant(user, meeting.participant_id, need=need)
    return meeting


def access_document(user: User, pk: int) -> PlanDocument:
    """Fetch a plan PDF whose participant the user may change; else 404."""
    if not user.is_authenticated:
        raise Http404
    document = PlanDocument.objects.filter(pk=pk).first()
    if document is None:
        raise Http404
    document.participant = access_participant(user, document.participant_id, need="change")
    return document
