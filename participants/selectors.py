"""Reads that views and reports share."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cm_portal.models import Organisation, User

from .access import participants_for
from .models import ActivityRecord, CaseChange, Contact, Participant


def caseload(
    user: User,
    *,
    search: str = "",
    status: str = "",
    crisis_relevant: bool = False,
    organisation: Organisation | None = None,
) -> QuerySet[Participant]:
    """The participants this user may see, filtered, ready for a list page."""
    participants = participants_for(user).select_related("organisation")
    search = search.strip()
    if search:
        participants = participants.filter(
            Q(reference__icontains=search) | Q(display_name__icontains=search)
        )
    if status == "open":
        participants = participants.filter(intervention_end__isnull=True)
    elif status == "closed":
        participants = participants.filter(intervention_end__isnull=False)
    if crisis_relevant:
        participants = participants.filter(crisis_relevant=True)
    if organisation is not None:
        participants = participants.filter(organisation=organisation)
    return participants.order_by("organisation__name", "reference")


def likely_duplicates(
    *,
    organisation: Organisation,
    personal_identity_number: str = "",
    display_name: str = "",
    birth_year: int | None = None,
    exclude_pk: int | None = None,
) -> QuerySet[Participant]:
    """Participants of the organisation with the same (normalised) identity number, or the
    same name (case-insensitive) and birth year."""
    match = Q(pk__in=[])
    if personal_identity_number:
        match |= Q(personal_identity_number=personal_identity_number)
    if display_name.strip() and birth_year:
        match |= Q(display_name__iexact=display_name.strip(), birth_year=birth_year)
    duplicates = Participant.objects.filter(match, organisation=organisation)
    if exclude_pk is not None:
        duplicates = duplicates.exclude(pk=exclude_pk)
    return duplicates


def contact_timeline(participant: Participant) -> QuerySet[Contact]:
    """Newest first."""
    return participant.contacts.select_related("created_by").order_by("-date", "-id")


def contact_history(contact: Contact) -> QuerySet[CaseChange]:
    return CaseChange.objects.filter(
        participant_id=contact.participant_id, object_type="contact", object_id=contact.pk
    ).select_related("changed_by")


def activity_records(organisation: Organisation) -> QuerySet[ActivityRecord]:
    """The organisation's activity records, newest first."""
    return ActivityRecord.objects.filter(organisation=organisation).order_by("-date", "-id")


def participant_history(participant: Participant) -> QuerySet[CaseChange]:
    """Changes to the intake data, newest first."""
    return CaseChange.objects.filter(
        participant=participant, object_type="participant", object_id=participant.pk
    ).select_related("changed_by")
