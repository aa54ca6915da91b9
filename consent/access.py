"""The one way to fetch a consent or an export: the participant's own one, named in the URL,
through the participant's access (404 otherwise)."""

from __future__ import annotations

from cm_portal.models import User
from participants.access import Need, access_of_participant

from .models import Consent, ParticipantExport


def access_consent(user: User, pk: int, *, participant_pk: int, need: Need = "view") -> Consent:
    """Fetch a consent whose participant the user may see (or change); else 404."""
    return access_of_participant(user, Consent, pk, participant_pk=participant_pk, need=need)


def access_export(user: User, pk: int, *, participant_pk: int) -> ParticipantExport:
    """Fetch a PDF export whose participant the user may change; else 404."""
    return access_of_participant(
        user, ParticipantExport, pk, participant_pk=participant_pk, need="change"
    )
