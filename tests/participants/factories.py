"""Participants for the tests, registered through the services as a case manager would."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from participants import services
from participants.models import Contact, Participant


def intake(**values) -> dict:
    data = {
        "display_name": "Kim",
        "birth_year": 2003,
        "gender": "woman",
        "entry_path": "outreach",
        "crisis_relevant": False,
        "intervention_start": timezone.localdate() - timedelta(days=60),
    }
    data.update(values)
    return data


def register(organisation, registered_by, **values) -> Participant:
    return services.participant_register(
        organisation=organisation, actor=registered_by, **intake(**values)
    )


def close_case(participant: Participant, closed_by, *, on, reason_code: str, reason: str) -> None:
    """Close the participant's case through the service, as ``closed_by``."""
    services.participant_close(
        participant=participant,
        end_date=on,
        reason_code=reason_code,
        reason=reason,
        actor=closed_by,
    )


def log_contact(participant: Participant, logged_by, **values) -> Contact:
    data = {
        "date": timezone.localdate() - timedelta(days=5),
        "kind": "meeting",
        "duration_minutes": 45,
        "counterpart": "",
        "note": "",
    }
    data.update(values)
    return services.contact_log(participant=participant, actor=logged_by, **data)
