"""Reads of prioritised contacts: the list with what is due before the 3-month date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from participants.models import CaseChange, Participant
from plans.deadlines import horizon_date
from plans.models import PrioritisedContact, PrioritisedContactStatus


@dataclass(frozen=True)
class ContactRow:
    contact: PrioritisedContact
    due_before_d3: bool  # planned on or before the 3-month date and not yet completed


def prioritised_contacts_of(participant: Participant) -> QuerySet[PrioritisedContact]:
    return PrioritisedContact.objects.filter(participant=participant).order_by("planned_on", "id")


def contact_rows(participant: Participant) -> tuple[date | None, list[ContactRow]]:
    """The horizon D3 (None when the programme has no such goal) and each contact, marked
    when it is due before D3 and still open."""
    d3 = horizon_date(participant)
    rows = [
        ContactRow(
            contact=contact,
            due_before_d3=contact.status == PrioritisedContactStatus.PLANNED
            and d3 is not None
            and contact.planned_on <= d3,
        )
        for contact in prioritised_contacts_of(participant)
    ]
    return d3, rows


def prioritised_contact_history(contact: PrioritisedContact) -> QuerySet[CaseChange]:
    return CaseChange.objects.filter(
        participant_id=contact.participant_id,
        object_type=contact._meta.model_name,
        object_id=contact.pk,
    ).select_related("changed_by")
