"""Export: participants as cases of the file, every key in the format's order."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from cm_portal import access_log
from cm_portal.models import AccessEvent, Organisation, User
from participants.models import Contact, Participant
from participants.services import assigned_case_managers

from ..models import Consent, ConsentParty
from . import sections
from .readers import iso

FORMAT = "cm-portal/case-files"
VERSION = 1


def participants_for_export(
    *, organisation: Organisation | None = None, reference: str | None = None
) -> QuerySet[Participant]:
    participants = Participant.objects.select_related("organisation", "programme").order_by(
        "organisation__slug", "reference", "pk"
    )
    if organisation is not None:
        participants = participants.filter(organisation=organisation)
    if reference is not None:
        participants = participants.filter(reference=reference)
    return participants.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("date", "pk")),
        Prefetch(
            "consents",
            queryset=Consent.objects.order_by("signed_on", "pk").prefetch_related(
                Prefetch("parties", queryset=ConsentParty.objects.select_related("organisation"))
            ),
        ),
    )


def _consent_data(consent: Consent) -> dict[str, Any]:
    parties = list(consent.parties.all())
    slugs = sorted(party.organisation.slug for party in parties if party.organisation_id)
    names = sorted(party.external_name for party in parties if not party.organisation_id)
    return {
        "parties": slugs + names,
        "purpose": consent.purpose,
        "research": consent.research,
        "signed_on": iso(consent.signed_on),
        "signed_by": consent.signed_by,
        "guardian_name": consent.guardian_name,
        "valid_until": iso(consent.valid_until),
        "withdrawn_on": iso(consent.withdrawn_on),
        "withdrawn_by": consent.withdrawn_by_whom or None,
    }


def _participant_data(participant: Participant) -> dict[str, Any]:
    return {
        "organisation": participant.organisation.slug,
        "programme": participant.programme.slug,
        "reference": participant.reference,
        "display_name": participant.display_name,
        "personal_identity_number": participant.personal_identity_number or None,
        "birth_year": participant.birth_year,
        "gender": participant.gender,
        "entry_path": participant.entry_path,
        "crisis_relevant": participant.crisis_relevant,
        "intervention_start": iso(participant.intervention_start),
        "intervention_end": iso(participant.intervention_end),
        "end_reason_code": participant.end_reason_code or None,
        "end_reason": participant.end_reason,
        "case_managers": sorted(user.email for user in assigned_case_managers(participant)),
    }


def _contacts_data(participant: Participant) -> list[dict[str, Any]]:
    return [
        {
            "date": iso(contact.date),
            "kind": contact.kind,
            "duration_minutes": contact.duration_minutes,
            "counterpart": contact.counterpart,
            "note": contact.note,
        }
        for contact in participant.contacts.all()
    ]


# This package's own keys; every other key comes from a registered section.
_OWN_KEYS = {
    "participant": _participant_data,
    "contacts": _contacts_data,
    "consents": lambda participant: [_consent_data(c) for c in participant.consents.all()],
}


def case_data(participant: Participant) -> dict[str, Any]:
    """One participant as a case of the file (key order is part of the format)."""
    case: dict[str, Any] = {}
    for key in sections.CASE_KEYS:
        if key in _OWN_KEYS:
            case[key] = _OWN_KEYS[key](participant)
        elif (section := sections.section_for(key)) is not None:
            case[key] = section.export(participant)
        else:
            case[key] = sections.EXTENSION_KEYS[key]
    return case


def export_cases(
    participants: Iterable[Participant],
    *,
    actor: User | None = None,
    client_address: str | None = None,
) -> dict[str, Any]:
    """The case file for ``participants``; with ``actor`` logs EXPORT each."""
    cases = []
    for participant in participants:
        cases.append(case_data(participant))
        if actor is not None:
            access_log.record(
                action=AccessEvent.Action.EXPORT,
                actor=actor,
                client_address=client_address,
                obj=participant,
                detail="case file",
            )
    return {"format": FORMAT, "version": VERSION, "cases": cases}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
