"""Coordination-meeting URLs by persona: the assigned case manager and the team lead get in."""

from __future__ import annotations

from tests.matrix import (
    SHARED_READ,
    Fixtures,
    Row,
    case_action_row,
    case_form_row,
    participant_and_own_pk,
)

from .helpers_meetings import (
    booking_form,
    days,
    held_meeting_of,
    meeting_of,
    meeting_participant_of,
    minutes_form,
    offer_form,
    preparation_form,
    prepared_meeting_of,
)


def _participant_kwargs(f: Fixtures) -> dict:
    return {"pk": meeting_participant_of(f).pk}


_meeting_kwargs = participant_and_own_pk(meeting_of, "meeting_pk")
_prepared_kwargs = participant_and_own_pk(prepared_meeting_of, "meeting_pk")
_held_kwargs = participant_and_own_pk(held_meeting_of, "meeting_pk")


ROWS: dict[str, Row] = {
    "plans:meeting_offer_create": case_form_row(_participant_kwargs, data=lambda f: offer_form()),
    "plans:meeting_invitation_send": case_action_row(_prepared_kwargs),
    "plans:minutes_pdf_request": case_action_row(_held_kwargs),
    "plans:meetings": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
    "plans:meeting_create": case_form_row(_participant_kwargs, data=lambda f: booking_form()),
    "plans:meeting_detail": Row(expect={"GET": SHARED_READ}, kwargs=_meeting_kwargs),
    "plans:meeting_invitation": case_action_row(
        _meeting_kwargs, data=lambda f: {"sent_on": days(0).isoformat()}
    ),
    "plans:meeting_minutes": case_form_row(_meeting_kwargs, data=lambda f: minutes_form()),
    "plans:meeting_preparation": case_form_row(_prepared_kwargs, data=lambda f: preparation_form()),
    "plans:meeting_cancel": case_action_row(_meeting_kwargs),
}
