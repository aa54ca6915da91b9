"""Every write to prioritised contacts (docs/domain.md, step 4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cm_portal.models import AccessEvent, User
from cm_portal.unset import UNSET, Unset, given
from participants.models import Participant
from participants.services import case_data_create, case_data_update
from plans.models import PrioritisedContact, PrioritisedContactStatus

Action = AccessEvent.Action
FIELDS = ("actor_kind", "actor", "planned_on", "status", "completed_on")


def arguments_of(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` keyed by field (a form's, a case file's) as this module's keyword arguments:
    the field ``actor`` (whom the contact is with) is ``actor_name`` here, since ``actor`` is
    who does the write, as in every service."""
    arguments = dict(values)
    if "actor" in arguments:
        arguments["actor_name"] = arguments.pop("actor")
    return arguments


def prioritised_contact_create(
    *,
    participant: Participant,
    actor: User | None,
    actor_kind: str = "",
    actor_name: str = "",
    planned_on: date,
    status: str = PrioritisedContactStatus.PLANNED,
    completed_on: date | None = None,
    client_address: str | None = None,
) -> PrioritisedContact:
    """Plan a contact with healthcare, social services or another actor. ``actor_name`` is
    whom the contact is with (the model's ``actor``); ``actor`` is who records it, as in every
    service."""
    contact = PrioritisedContact(
        participant=participant,
        created_by=actor,
        actor_kind=actor_kind,
        actor=actor_name,
        planned_on=planned_on,
        status=status,
        completed_on=completed_on,
    )
    case_data_create(
        participant=participant,
        obj=contact,
        actor=actor,
        client_address=client_address,
        what="prioritised contact",
    )
    return contact


def prioritised_contact_update(
    *,
    contact: PrioritisedContact,
    actor: User,
    actor_kind: str | Unset = UNSET,
    actor_name: str | Unset = UNSET,
    planned_on: date | Unset = UNSET,
    status: str | Unset = UNSET,
    completed_on: date | Unset | None = UNSET,
    client_address: str | None = None,
) -> list[str]:
    """Change a contact (e.g. completed with a date, cancelled): the fields given; keeps old
    and new values. ``actor_name`` is the model's ``actor``, as in
    ``prioritised_contact_create``."""
    values = given(
        actor_kind=actor_kind,
        actor=actor_name,
        planned_on=planned_on,
        status=status,
        completed_on=completed_on,
    )
    return case_data_update(
        participant=contact.participant,
        obj=contact,
        allowed=FIELDS,
        values=values,
        actor=actor,
        client_address=client_address,
        detail=f"prioritised contact {contact.pk} ",
    )
