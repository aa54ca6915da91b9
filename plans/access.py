"""The one way to fetch a meeting or a plan PDF named in its participant's URL.

The object must belong to the participant of the URL (``participant_pk``), and it goes through
``access_participant``, so the participant's rules decide and a refusal is a 404 exactly like
a missing object. Goals, contact paths and prioritised contacts are fetched from the
participant's own related managers.
"""

from __future__ import annotations

from cm_portal.models import User
from participants.access import Need, access_of_participant

from .models import CoordinationMeeting, PlanDocument


def access_meeting(
    user: User, pk: int, *, participant_pk: int, need: Need = "view"
) -> CoordinationMeeting:
    """Fetch the participant's coordination meeting if the user may see (or change) it; else 404."""
    return access_of_participant(
        user, CoordinationMeeting, pk, participant_pk=participant_pk, need=need
    )


def access_document(user: User, pk: int, *, participant_pk: int) -> PlanDocument:
    """Fetch the participant's plan PDF if the user may change the participant; else 404."""
    return access_of_participant(
        user, PlanDocument, pk, participant_pk=participant_pk, need="change"
    )
