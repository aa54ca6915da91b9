"""The ``coordination_meetings`` part of a case: the format's keys first, then the rest of
what is stored about a meeting, so that an export holds all of it. Omitted extra keys take
the defaults of a meeting held by the routine (an Intern-SIP the participant agreed to)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cm_portal.models import User
from consent.case_files.readers import (
    REQUIRED,
    CaseErrors,
    Schema,
    boolean,
    choice,
    iso,
    iso_date,
    optional,
    read_objects,
    strings,
    text,
)
from consent.case_files.sections import Section
from participants.models import Participant

from ..models import CoordinationMeeting, MeetingKind, MeetingStatus
from ..services.meetings import meeting_import

KEY = "coordination_meetings"

SCHEMA: Schema = {
    "meeting_on": (iso_date, REQUIRED),
    "invitation_sent_on": (optional(iso_date), None),
    "status": (choice(MeetingStatus), REQUIRED),
    "units": (strings, []),
    "lead_unit": (text, ""),
    "follow_up_on": (optional(iso_date), None),
    "kind": (choice(MeetingKind), MeetingKind.INTERN_SIP),
    "need": (text, ""),
    "participant_agreed": (boolean, True),
    "outside_parties": (strings, []),
    "chair": (text, ""),
    "minute_taker": (text, ""),
    "minutes": (text, ""),
    "escalated_on": (optional(iso_date), None),
    "escalated_to": (text, ""),
}


def _meeting_data(meeting: CoordinationMeeting) -> dict[str, Any]:
    invitees = list(meeting.invitees.all())
    return {
        "meeting_on": iso(meeting.meeting_on),
        "invitation_sent_on": iso(meeting.invitation_sent_on),
        "status": meeting.status,
        "units": [invitee.name for invitee in invitees if not invitee.outside],
        "lead_unit": meeting.lead_unit,
        "follow_up_on": iso(meeting.follow_up_on),
        "kind": meeting.kind,
        "need": meeting.need,
        "participant_agreed": meeting.participant_agreed,
        "outside_parties": [invitee.name for invitee in invitees if invitee.outside],
        "chair": meeting.chair,
        "minute_taker": meeting.minute_taker,
        "minutes": meeting.minutes,
        "escalated_on": iso(meeting.escalated_on),
        "escalated_to": meeting.escalated_to,
    }


def export(participant: Participant) -> list[dict[str, Any]]:
    meetings = (
        CoordinationMeeting.objects.filter(participant=participant)
        .prefetch_related("invitees")
        .order_by("meeting_on", "pk")
    )
    return [_meeting_data(meeting) for meeting in meetings]


def read(case: CaseErrors, raw: Any) -> list[dict[str, Any] | None]:
    return read_objects(case, KEY, raw, SCHEMA)


def write(
    case: CaseErrors, participant: Participant, parsed: list[dict[str, Any]], actor: User
) -> int:
    written = 0
    for position, values in enumerate(parsed):
        try:
            with transaction.atomic():
                meeting_import(participant=participant, values=values, actor=actor)
        except ValidationError as error:
            case.validation_error(f"{KEY}[{position}]", error)
        else:
            written += 1
    return written


SECTIONS: list[Section] = [Section(key=KEY, export=export, read=read, write=write)]
