"""Every write to prioritised contacts (docs/domain.md, step 4)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from cm_portal import access_log
from cm_portal.models import AccessEvent, User
from cm_portal.unset import UNSET, Unset, given
from participants.events import case_changed
from participants.models import Participant
from participants.services import apply_tracked_changes
from plans.models import PrioritisedContact, PrioritisedContactStatus

Action = AccessEvent.Action
FIELDS = ("actor_kind", "actor", "planned_on", "status", "completed_on")


def prioritised_contact_create(
    *,
    participant: Participant,
    created_by: User | None,
    actor_kind: str = "",
    actor: str = "",
    planned_on: date,
    status: str = PrioritisedContactStatus.PLANNED,
    completed_on: date | None = None,
    client_address: str | None = None,
) -> PrioritisedContact:
    """Plan a contact with healthcare, social services or another actor (``actor`` is whom
    the contact is with, not who records it: that is ``created_by``)."""
    contact = PrioritisedContact(
        participant=participant,
        created_by=created_by,
        actor_kind=actor_kind,
        actor=actor,
        planned_on=planned_on,
        status=status,
        completed_on=completed_on,
    )
    contact.full_clean()
    with transaction.atomic():
        contact.save(force_insert=True)
        access_log.record(
            action=Action.CREATE,
            actor=created_by,
            client_address=client_address,
            obj=participant,
            detail=f"prioritised contact {contact.pk}",
        )
        case_changed(participant.pk)
    return contact


def prioritised_contact_update(
    *,
    contact: PrioritisedContact,
    changed_by: User,
    actor_kind: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    planned_on: date | Unset = UNSET,
    status: str | Unset = UNSET,
    completed_on: date | Unset | None = UNSET,
    client_address: str | None = None,
) -> list[str]:
    """Change a contact (e.g. completed with a date, cancelled): the fields given; keeps old
    and new values."""
    values = given(
        actor_kind=actor_kind,
        actor=actor,
        planned_on=planned_on,
        status=status,
        completed_on=completed_on,
    )
    with transaction.atomic():
        changed = apply_tracked_changes(
            participant=contact.participant,
            obj=contact,
            allowed=FIELDS,
            values=values,
            changed_by=changed_by,
        )
        if changed:
            access_log.record(
                action=Action.CHANGE,
                actor=changed_by,
                client_address=client_address,
                obj=contact.participant,
                detail=f"prioritised contact {contact.pk} " + ",".join(changed),
            )
        case_changed(contact.participant_id)
    return changed
