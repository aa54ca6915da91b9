"""Coordination-meeting URLs by persona: the assigned case manager and the team lead get in."""

from __future__ import annotations

from tests.matrix import LOGIN, SHARED_READ, Fixtures, Row, statuses

from .helpers_meetings import (
    booking_form,
    days,
    held_meeting_of,
    meeting_of,
    meeting_participant_of,
    minutes_form,
    offer_form,
    prepared_meeting_of,
)

CASE_PAGE = statuses(anonymous=LOGIN, staff=404, alice=200, tess=200)
# Access comes before the method: only those who may change learn it is POST only.
POST_ONLY_GET = statuses(anonymous=LOGIN, staff=404, alice=405, tess=405)
CASE_ACTION = statuses(anonymous=LOGIN, staff=404, alice=302, tess=302)


def _participant_kwargs(f: Fixtures) -> dict:
    return {"pk": meeting_participant_of(f).pk}


def _meeting_kwargs(f: Fixtures) -> dict:
    meeting = meeting_of(f)
    return {"pk": meeting.participant_id, "meeting_pk": meeting.pk}


def _prepared_kwargs(f: Fixtures) -> dict:
    meeting = prepared_meeting_of(f)
    return {"pk": meeting.participant_id, "meeting_pk": meeting.pk}


def _held_kwargs(f: Fixtures) -> dict:
    meeting = held_meeting_of(f)
    return {"pk": meeting.participant_id, "meeting_pk": meeting.pk}


ROWS: dict[str, Row] = {
    "plans:meeting_offer_create": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=lambda f: offer_form(),
        changes_state=True,
    ),
    "plans:meeting_invitation_send": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_prepared_kwargs,
        changes_state=True,
    ),
    "plans:minutes_pdf_request": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_held_kwargs,
        changes_state=True,
    ),
    "plans:meetings": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
    "plans:meeting_create": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=lambda f: booking_form(),
        changes_state=True,
    ),
    "plans:meeting_detail": Row(expect={"GET": SHARED_READ}, kwargs=_meeting_kwargs),
    "plans:meeting_invitation": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_meeting_kwargs,
        data=lambda f: {"sent_on": days(0).isoformat()},
        changes_state=True,
    ),
    "plans:meeting_minutes": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_meeting_kwargs,
        data=lambda f: minutes_form(),
        changes_state=True,
    ),
    "plans:meeting_cancel": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_meeting_kwargs,
        changes_state=True,
    ),
}
