"""Reads that views and reports share."""

from __future__ import annotations

from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery

from cm_portal.models import Organisation, User

from .access import participants_for
from .models import (
    ActivityRecord,
    CaseChange,
    Contact,
    Participant,
    ParticipantUserObjectPermission,
)

# The orders the caseload offers (issue 17): name → the fields sorted on; equal rows then
# follow the reference.
CASELOAD_ORDERS = {
    "reference": ("organisation__name", "reference"),
    "name": ("display_name",),
    "start": ("intervention_start",),
    "case_manager": ("case_manager_name",),
    "deadline": ("next_deadline",),
}
# A deadline still to be met: what "next deadline" means on the list.
PENDING_DEADLINE_STATES = ("upcoming", "open", "overdue")


def _assignments(participant_ref) -> QuerySet[ParticipantUserObjectPermission]:
    """Who is assigned, within the participant's own organisation (as access.py counts it)."""
    return ParticipantUserObjectPermission.objects.filter(
        content_object=participant_ref,
        permission__codename="change_participant",
        user__organisation=OuterRef("organisation"),
    )


def caseload(
    user: User,
    *,
    search: str = "",
    status: str = "",
    crisis_relevant: bool = False,
    organisation: Organisation | None = None,
    order: str = "reference",
    descending: bool = False,
) -> QuerySet[Participant]:
    """The participants this user may see, filtered and sorted, ready for a list page.

    Each row carries ``changeable`` (the user may log a contact), ``case_manager_name`` (the
    first assigned, by name) and ``next_deadline`` (the earliest deadline not yet met), all
    in the one query. The deadlines are the plans app's rows, read through their reverse
    relation: no import of ``plans`` (the apps depend downwards).
    """
    changeable = participants_for(user, need="change").filter(pk=OuterRef("pk"))
    participants = (
        participants_for(user)
        .select_related("organisation")
        .annotate(
            changeable=Exists(changeable),
            case_manager_name=Subquery(
                _assignments(OuterRef("pk")).order_by("user__name").values("user__name")[:1]
            ),
            next_deadline=Subquery(
                Participant.objects.filter(pk=OuterRef("pk"))
                .annotate(
                    due=Min(
                        "deadlines__due_on",
                        filter=Q(deadlines__state__in=PENDING_DEADLINE_STATES),
                    )
                )
                .values("due")[:1]
            ),
        )
    )
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
    fields = CASELOAD_ORDERS.get(order, CASELOAD_ORDERS["reference"])
    sorted_on = [
        F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
        for field in fields
    ]
    return participants.order_by(*sorted_on, "organisation__name", "reference", "pk")


def case_managers_of(participants: list[Participant]) -> dict[int, list[User]]:
    """The assigned case managers of each participant, by name: one query for a page."""
    rows = (
        ParticipantUserObjectPermission.objects.filter(
            content_object__in=[participant.pk for participant in participants],
            permission__codename="change_participant",
            user__organisation=F("content_object__organisation"),
        )
        .select_related("user")
        .order_by("user__name")
    )
    managers: dict[int, list[User]] = {participant.pk: [] for participant in participants}
    for row in rows:
        managers[row.content_object_id].append(row.user)
    return managers


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
    """Newest first (who logged each is not shown: not loaded)."""
    return participant.contacts.order_by("-date", "-id")


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


def caseload_size(case_manager: User) -> int:
    """How many participants a caseload move from this person moves: every assignment, as
    ``services.caseload_transfer`` does."""
    return ParticipantUserObjectPermission.objects.filter(
        user=case_manager, permission__codename="change_participant"
    ).count()
