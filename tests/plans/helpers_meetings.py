"""Builders for the coordination-meeting tests and the permission matrix.

They take ``f`` (``request.getfixturevalue``) and are get-or-create, like
``tests/consent/helpers.py``. The meeting's participant and consent are the consent tests'
ones: the consent names the participant's own organisation and "Vårdcentralen Älvsjö", so it
gives the district no sharing grant.
"""

from __future__ import annotations

from datetime import time, timedelta

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


def meeting_of(f: Fixtures) -> CoordinationMeeting:
    """A planned Intern-SIP today, inviting a unit and the consented outside actor."""
    participant = meeting_participant_of(f)
    existing = CoordinationMeeting.objects.filter(participant=participant).order_by("pk").first()
    return existing or meeting_book(
        participant=participant,
        actor=f("alice"),
        kind="intern_sip",
        need="Boende och ekonomi",
        meeting_on=days(0),
        units=["Vuxenenheten"],
        outside_parties=[OUTSIDE],
        participant_agreed=True,
    )


def prepared_meeting_of(f: Fixtures) -> CoordinationMeeting:
    """A planned Intern-SIP in 20 days with a time, a place and bob invited by name: one
    whose invitation can be e-mailed."""
    participant = meeting_participant_of(f)
    existing = CoordinationMeeting.objects.filter(
        participant=participant, starts_at__isnull=False, status="planned"
    ).first()
    return existing or meeting_book(
        participant=participant,
        actor=f("alice"),
        kind="intern_sip",
        need="Boende och ekonomi",
        meeting_on=days(20),
        units=["Vuxenenheten"],
        staff=[f("bob")],
        outside_parties=[],
        participant_agreed=True,
        starts_at=time(9, 0),
        place="Rum 3",
    )


def held_meeting_of(f: Fixtures) -> CoordinationMeeting:
    """A meeting held today, with minutes."""
    participant = meeting_participant_of(f)
    existing = CoordinationMeeting.objects.filter(participant=participant, status="held").first()
    if existing:
        return existing
    meeting = meeting_book(
        participant=participant,
        actor=f("alice"),
        kind="intern_sip",
        need="Boende och ekonomi",
        meeting_on=days(0),
        units=["Vuxenenheten"],
        outside_parties=[],
        participant_agreed=True,
    )
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
    data = {"offered_on": days(0).isoformat(), "unit": "Vuxenenheten", "answer": "declined"}
    data.update(values)
    return data


def booking_form(**values) -> dict:
    data = {
        "kind": "intern_sip",
        "need": "Boende och ekonomi",
        "meeting_on": days(20).isoformat(),
        "participant_agreed": "on",
        "units": "Vuxenenheten\nEkonomiskt bistånd",
        "outside_parties": "",
    }
    data.update(values)
    return data


def minutes_form(**values) -> dict:
    data = {
        "chair": "Alice",
        "minute_taker": "Bo",
        "minutes": "Vuxenenheten ordnar boende.",
        "lead_unit": "Vuxenenheten",
        "follow_up_on": days(30).isoformat(),
    }
    data.update(values)
    return data
