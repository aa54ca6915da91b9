"""Reads that views and reports share."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from cm_portal.models import Organisation, User

from .access import may_change, participants_for
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
    participants = (
        participants_for(user)
        .select_related("organisation")
        .annotate(
            changeable=ExpressionWrapper(may_change(user), output_field=BooleanField()),
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


class CaseloadByOrganisation:
    """The caseload in its first order (organisation name, then reference), for a Paginator:
    counted by organisation, then read a page at a time within each organisation.

    A team lead's list holds every participant of the organisation; sorted as one list, each
    page sorts them all (the organisation's name is in another table, so no index gives the
    order). Within one organisation the unique index on (organisation, reference) does, so
    a page is read off it. Organisations with the same name are one stretch, as in the sort.
    """

    def __init__(self, participants: QuerySet[Participant], *, descending: bool = False):
        self.participants = participants
        self.descending = descending
        self._stretches: list[tuple[list[int], int]] | None = None

    def stretches(self) -> list[tuple[list[int], int]]:
        """(the organisations of one name, their row count), in the list's order."""
        if self._stretches is None:
            counted = (
                self.participants.order_by()
                .values_list("organisation__name", "organisation_id")
                .annotate(rows=Count("pk"))
                # The database's collation, as the sorted list has it (not Python's order).
                .order_by("organisation__name")
            )
            by_name: dict[str, tuple[list[int], int]] = {}
            for name, organisation_id, rows in counted:
                ids, total = by_name.get(name, ([], 0))
                by_name[name] = ([*ids, organisation_id], total + rows)
            stretches = list(by_name.values())
            self._stretches = stretches[::-1] if self.descending else stretches
        return self._stretches

    def count(self) -> int:
        return sum(rows for _ids, rows in self.stretches())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Participant]:
        start, stop = window.start or 0, window.stop
        # As caseload() sorts: equal references (never, in practice) by ascending pk.
        order = ["-reference", "pk"] if self.descending else ["reference", "pk"]
        page: list[Participant] = []
        first = 0
        for organisation_ids, rows in self.stretches():
            last = first + rows
            if stop is not None and first >= stop:
                break
            if last > start:
                within = self.participants.filter(organisation_id__in=organisation_ids)
                upto = None if stop is None else min(stop, last) - first
                page.extend(within.order_by(*order)[max(start - first, 0) : upto])
            first = last
        return page


def in_pages(
    participants: QuerySet[Participant], *, order: str, descending: bool
) -> QuerySet[Participant] | CaseloadByOrganisation:
    """What the caseload's Paginator reads: in its first order, page by page within each
    organisation (``CaseloadByOrganisation``); in any other, the sorted queryset."""
    if order not in CASELOAD_ORDERS or order == "reference":
        return CaseloadByOrganisation(participants, descending=descending)
    return participants


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
