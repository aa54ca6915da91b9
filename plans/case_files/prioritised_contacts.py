"""The ``prioritised_contacts`` part of a case, imported through the prioritised-contact
service (``completed_on`` only with status completed, no date before the start, no
completion in the future)."""

from __future__ import annotations

from typing import Any

from cm_portal.models import User
from consent.case_files.readers import (
    REQUIRED,
    CaseErrors,
    Schema,
    choice,
    iso,
    iso_date,
    optional,
    read_objects,
    text,
)
from consent.case_files.sections import Section, write_each
from participants.models import Participant

from ..models import ActorKind, PrioritisedContactStatus
from ..selectors.prioritised_contacts import prioritised_contacts_of
from ..services.prioritised_contacts import arguments_of, prioritised_contact_create

KEY = "prioritised_contacts"

SCHEMA: Schema = {
    "actor_kind": (choice(ActorKind), REQUIRED),
    "actor": (text, REQUIRED),
    "planned_on": (iso_date, REQUIRED),
    "status": (choice(PrioritisedContactStatus), PrioritisedContactStatus.PLANNED),
    "completed_on": (optional(iso_date), None),
}


def export(participant: Participant) -> list[dict[str, Any]]:
    return [
        {
            "actor_kind": contact.actor_kind,
            "actor": contact.actor,
            "planned_on": iso(contact.planned_on),
            "status": contact.status,
            "completed_on": iso(contact.completed_on),
        }
        for contact in prioritised_contacts_of(participant)
    ]


def read(case: CaseErrors, raw: Any) -> list[dict[str, Any] | None]:
    return read_objects(case, KEY, raw, SCHEMA)


def write(
    case: CaseErrors, participant: Participant, parsed: list[dict[str, Any]], actor: User
) -> int:
    return write_each(
        case,
        KEY,
        parsed,
        lambda values: prioritised_contact_create(
            participant=participant, actor=actor, **arguments_of(values)
        ),
    )


SECTIONS: list[Section] = [Section(key=KEY, export=export, read=read, write=write)]
