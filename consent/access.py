"""The one way to fetch a consent or an export: the participant's own one, named in the URL,
through the participant's access (404 otherwise)."""

from __future__ import annotations

from django.http import Http404

from cm_portal.models import User
from participants.access import Need, access_participant

from .models import Consent, ParticipantExport


def access_consent(user: User, pk: int, *, participant_pk: int, need: Need = "view") -> Consent:
    """Fetch a consent whose participant the user may see (or change); else 404."""
    if not user.is_authenticated:
        raise Http404
    consent = Consent.objects.filter(pk=pk, participant_id=participant_pk).first()
    if consent is None:
        raise Http404
    # The participant's own access rules decide; it answers 404 for no access too.
    consent.participant = access_participant(user, consent.participant_id, need=need)
    return consent


def access_export(user: User, pk: int, *, participant_pk: int) -> ParticipantExport:
    """Fetch a PDF export whose participant the user may change; else 404."""
    if not user.is_authenticated:
        raise Http404
    export = ParticipantExport.objects.filter(pk=pk, participant_id=participant_pk).first()
    if export is None:
        raise Http404
    export.participant = access_participant(user, export.participant_id, need="change")
    return export
