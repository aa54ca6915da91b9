"""Reads of consents that views share."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from participants.models import Participant

from .models import Consent, ConsentParty


def consents_of(participant: Participant) -> QuerySet[Consent]:
    """The participant's consents, newest first, with their parties."""
    return (
        Consent.objects.filter(participant=participant)
        .select_related("recorded_by", "withdrawal_recorded_by")
        .prefetch_related(
            Prefetch("parties", queryset=ConsentParty.objects.select_related("organisation"))
        )
        .order_by("-signed_on", "-recorded_at", "-id")
    )
