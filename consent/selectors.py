"""Reads of consents that views share."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

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


def parties_covered_on(participant: Participant, day: date) -> list[ConsentParty]:
    """The parties named by the participant's consents that are valid on ``day``.

    Valid: signed on or before the day, not withdrawn by then, not expired before it.
    """
    return list(
        ConsentParty.objects.filter(
            consent__participant=participant,
            consent__signed_on__lte=day,
        )
        .filter(Q(consent__withdrawn_on__isnull=True) | Q(consent__withdrawn_on__gt=day))
        .filter(Q(consent__valid_until__isnull=True) | Q(consent__valid_until__gte=day))
        .select_related("organisation")
        .order_by("consent__signed_on", "pk")
    )
