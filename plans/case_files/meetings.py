"""The ``coordination_meetings`` part of a case: the format's keys first, then the rest of
what is stored about a meeting, so that an export holds all of it. Omitted extra keys take
the defaults of a meeting held by the routine (an Intern-SIP the participant agreed to)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cm_portal.models import User
from consent.case_files.readers import (
    REQUIRED,
    CaseErrors,
    Schema,
    boolean,
    choice,
    integer,
    iso,
    iso_date,
    optional,
    read_objects,
    strings,
    text,
)
from consent.case_files.sections import Section, write_each
from participants.models import Participant

from ..models import CoordinationMeeting, MeetingKind, MeetingOffer, MeetingStatus, OfferAnswer
from ..services.meetings import meeting_import
from ..services.offers import meeting_offer_import

KEY = "coordination_meetings"
OFFERS_KEY = "intern_sip_offers"


def clock(value: Any) -> time:
    """ "HH:MM" (24 hours)."""
    if not isinstance(value, str):
        raise ValueError(_("must be a time as HH:MM"))
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(_("must be a time as HH:MM")) from None


def _clock_text(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


ACTION_KEYS = {"who", "what", "due_on", "goal"}


def actions(value: Any) -> list[dict[str, Any]]:
    """Agreed actions: objects with ``who``, ``what`` (texts), ``due_on`` (a date or null)
    and ``goal`` (the title of a goal of the participant's plan, or null)."""
    if not isinstance(value, list):
        raise ValueError(_("must be a list"))
    result = []
    for item in value:
        if not isinstance(item, dict) or set(item) - ACTION_KEYS:
            raise ValueError(_("each action is an object with who, what, due_on and goal"))
        goal = item.get("goal")
        if goal is not None and not isinstance(goal, str):
            raise ValueError(_("an action's goal is a goal's title or null"))
        result.append(
            {
                "who": text(item.get("who", "")),
                "what": text(item.get("what", "")),
                "due_on": optional(iso_date)(item.get("due_on")),
                "goal": goal,
            }
        )
    return result


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
    "starts_at": (optional(clock), None),
    "ends_at": (optional(clock), None),
    "place": (text, ""),
    "video_link": (text, ""),
    "agenda": (text, ""),
    "guardian_consented": (boolean, False),
    "staff": (strings, []),
    "present": (strings, []),
    "absent": (strings, []),
    "actions": (actions, []),
    "follow_up_of": (optional(integer), None),
}

OFFER_SCHEMA: Schema = {
    "offered_on": (iso_date, REQUIRED),
    "unit": (text, REQUIRED),
    "answer": (choice(OfferAnswer), REQUIRED),
}


def _invitee_key(invitee) -> str:
    """How attendance names an invitee: a member of staff by e-mail, others by name."""
    return invitee.staff.email if invitee.staff_id else invitee.name


def _meeting_data(meeting: CoordinationMeeting, index: dict[int, int]) -> dict[str, Any]:
    invitees = list(meeting.invitees.all())
    return {
        "meeting_on": iso(meeting.meeting_on),
        "invitation_sent_on": iso(meeting.invitation_sent_on),
        "status": meeting.status,
        "units": [i.name for i in invitees if not i.outside and i.staff_id is None],
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
        "starts_at": _clock_text(meeting.starts_at),
        "ends_at": _clock_text(meeting.ends_at),
        "place": meeting.place,
        "video_link": meeting.video_link,
        "agenda": meeting.agenda,
        "guardian_consented": meeting.guardian_consented,
        "staff": [invitee.staff.email for invitee in invitees if invitee.staff_id],
        "present": [_invitee_key(invitee) for invitee in invitees if invitee.attended],
        "absent": [_invitee_key(invitee) for invitee in invitees if invitee.attended is False],
        "actions": [
            {
                "who": action.who,
                "what": action.what,
                "due_on": iso(action.due_on),
                "goal": action.goal.title if action.goal else None,
            }
            for action in meeting.actions.all()
        ],
        # The position in this list of the meeting it follows up (always an earlier one).
        "follow_up_of": index.get(meeting.follow_up_of_id) if meeting.follow_up_of_id else None,
    }


def export(participant: Participant) -> list[dict[str, Any]]:
    meetings = list(
        CoordinationMeeting.objects.filter(participant=participant)
        .prefetch_related("invitees__staff", "actions__goal")
        .order_by("meeting_on", "pk")
    )
    index = {meeting.pk: position for position, meeting in enumerate(meetings)}
    return [_meeting_data(meeting, index) for meeting in meetings]


def read(case: CaseErrors, raw: Any) -> list[dict[str, Any] | None]:
    return read_objects(case, KEY, raw, SCHEMA)


def write(
    case: CaseErrors, participant: Participant, parsed: list[dict[str, Any]], actor: User
) -> int:
    written = 0
    meetings: list[CoordinationMeeting | None] = []
    for position, values in enumerate(parsed):
        follows = values.get("follow_up_of")
        if follows is not None:
            if not 0 <= follows < position or meetings[follows] is None:
                case.error(
                    f"{KEY}[{position}].follow_up_of",
                    _("must be the position of an earlier meeting in this list"),
                )
                meetings.append(None)
                continue
            values = {**values, "follow_up_of": meetings[follows]}
        try:
            with transaction.atomic():
                meeting = meeting_import(participant=participant, values=values, actor=actor)
        except ValidationError as error:
            case.validation_error(f"{KEY}[{position}]", error)
            meetings.append(None)
        else:
            meetings.append(meeting)
            written += 1
    return written


def export_offers(participant: Participant) -> list[dict[str, Any]]:
    offers = MeetingOffer.objects.filter(participant=participant).order_by("offered_on", "pk")
    return [
        {"offered_on": iso(offer.offered_on), "unit": offer.unit, "answer": offer.answer}
        for offer in offers
    ]


def read_offers(case: CaseErrors, raw: Any) -> list[dict[str, Any] | None]:
    return read_objects(case, OFFERS_KEY, raw, OFFER_SCHEMA)


def write_offers(
    case: CaseErrors, participant: Participant, parsed: list[dict[str, Any]], actor: User
) -> int:
    return write_each(
        case,
        OFFERS_KEY,
        parsed,
        lambda values: meeting_offer_import(participant=participant, values=values, actor=actor),
    )


SECTIONS: list[Section] = [
    Section(key=KEY, export=export, read=read, write=write),
    Section(key=OFFERS_KEY, export=export_offers, read=read_offers, write=write_offers),
]
