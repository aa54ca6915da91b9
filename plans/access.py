"""The one way to fetch a meeting or a plan PDF named in its participant's URL.

The object must belong to the participant of the URL (``participant_pk``), and it goes through
``access_participant``, so the participant's rules decide and a refusal is a 404 exactly like
a missing object. Goals, contact paths and prioritised contacts are fetched from the
participant's own related managers.
"""

from __future__ import annotations

from django.http import Http404

from cm_portal.models import User
from participants.access import Need, access_participant

from .models import CoordinationMeeting, PlanDocument


def access_meeting(
    user: User, pk: int, *, participant_pk: int, need: Need = "view"
) -> CoordinationMeeting:
    """Fetch the participant's coordination meeting if the user may see (or change) it; else 404."""
    if not user.is_authenticated:
        raise Http404
    meeting = CoordinationMeeting.objects.filter(pk=pk, participant_id=participant_pk).first()
    if meeting is None:
        raise Http404
    meeting.participant = access_participant(user, meeting.participant_id, need=need)
    return meeting


def access_document(user: User, pk: int, *, participant_pk: int) -> PlanDocument:
    """Fetch the participant's plan PDF if the user may change the participant; else 404."""
    if not user.is_authenticated:
        raise Http404
    document = PlanDocument.objects.filter(pk=pk, participant_id=participant_pk).first()
    if document is None:
        raise Http404
    document.participant = access_participant(user, document.participant_id, need="change")
    return document
