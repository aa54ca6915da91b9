"""Builders for the coordination-meeting tests and the permission matrix.

They take ``f`` (``request.getfixturevalue``) and are get-or-create, like
``tests/consent/helpers.py``. The meeting's participant and consent are the consent tests'
ones: the consent names the participant's own organisation and "Vårdcentralen Älvsjö", so it
gives the district no sharing grant.
"""

from __future__ import annotations

from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone

from plans.models import CoordinationMeeting
from plans.services.meetings import meeting_book, meeting_minutes_record
from tests.consent.helpers import consent_of, consent_participant_of
from tests.matrix import Fixtures

OUTSIDE = "Vårdcentralen Älvsjö"


def days(n: int):
    """Today plus ``n`` days (negative: in the past)."""
    return timezone.localdate() + timedelta(days=n)


def meeting_participant_of(f: Fixtures):
    consent_of(f)
    return consent_participant_of(f)


def _book_intern_sip(f: Fixtures, participant, meeting_on, **values) -> CoordinationMeeting:
    """An Intern-SIP about housing and money, booked by alice with the participant's
    agreement, the adult unit (Vuxenenheten) invited."""
    return meeting_book(
        participant=participant,
        actor=f("alice"),
        kind="intern_sip",
        need="Boende och ekonomi",
        meeting_on=meeting_on,
        units=["Vuxenenheten"],
        participant_agreed=True,
        **values,
    )


def meeting_of(f: Fixtures) -> CoordinationMeeting:
    """A planned Intern-SIP today, inviting a unit and the consented outside actor."""
    participant = meeting_participant_of(f)
    existing = CoordinationMeeting.objects.filter(participant=participant).order_by("pk").first()
    return existing or _book_intern_sip(f, participant, days(0), outside_parties=[OUTSIDE])


def prepared_meeting_of(f: Fixtures) -> CoordinationMeeting:
    """A planned Intern-SIP in 20 days with a time, a place and bob invited by name: one
    whose invitation can be e-mailed."""
    participant = meeting_participant_of(f)
    existing = CoordinationMeeting.objects.filter(
        participant=participant, starts_at__isnull=False, status="planned"
    ).first()
    return existing or _book_intern_sip(
        f,
        participant,
        days(20),
        staff=[f("bob")],
        outside_parties=[],
        starts_at=time(9, 0),
        place="Rum 3",
    )


def held_meeting_of(f: Fixtures) -> CoordinationMeeting:
    """A meeting held today, with minutes."""
    participant = meeting_participant_of(f)
    existing = CoordinationMeeting.objects.filter(participant=participant, status="held").first()
    if existing:
        return existing
    meeting = _book_intern_sip(f, participant, days(0), outside_parties=[])
    return meeting_minutes_record(
        meeting=meeting,
        chair="Alice",
        minute_taker="Bo",
        minutes="Vuxenenheten ordnar boende.",
        lead_unit="Vuxenenheten",
        follow_up_on=days(30),
        actor=f("alice"),
    )


def offer_form(**values) -> dict:
    return {
        "offered_on": days(0).isoformat(),
        "unit": "Vuxenenheten",
        "answer": "declined",
        **values,
    }


def booking_form(**values) -> dict:
    return {
        "kind": "intern_sip",
        "need": "Boende och ekonomi",
        "meeting_on": days(20).isoformat(),
        "participant_agreed": "on",
        "units": "Vuxenenheten\nEkonomiskt bistånd",
        "outside_parties": "",
        **values,
    }


def preparation_form(**values) -> dict:
    """The meeting moved to 21 days ahead, 10:00 to 11:00 in Rum 4, with an agenda."""
    return {
        "meeting_on": days(21).isoformat(),
        "starts_at": "10:00",
        "ends_at": "11:00",
        "place": "Rum 4",
        "video_link": "",
        "agenda": "Boendet",
        **values,
    }


def minutes_form(**values) -> dict:
    return {
        "chair": "Alice",
        "minute_taker": "Bo",
        "minutes": "Vuxenenheten ordnar boende.",
        "lead_unit": "Vuxenenheten",
        "follow_up_on": days(30).isoformat(),
        **values,
    }


def meeting_url(name: str, meeting: CoordinationMeeting) -> str:
    """The address ``name`` (e.g. "plans:meeting_detail") of ``meeting``."""
    return reverse(name, kwargs={"pk": meeting.participant_id, "meeting_pk": meeting.pk})
