"""The ``coordination_meetings`` part of the case file: export, import through the meeting
services, errors named by case and field, and a round trip to identical JSON."""

from __future__ import annotations

import copy
import json
from datetime import time

import pytest

from consent import services as consent_services
from participants.models import Participant
from participants.services import participant_register
from plans.models import CoordinationMeeting, MeetingStatus
from plans.services.meetings import (
    ActionValue,
    meeting_book,
    meeting_cancel,
    meeting_invitation_record,
    meeting_minutes_record,
)
from plans.services.offers import meeting_offer_record
from tests.consent.helpers import INTAKE
from tests.consent.test_case_files import export, file_of, import_errors, run_import, valid_case

from .fixtures_meetings import english  # noqa: F401
from .helpers_meetings import OUTSIDE, days

pytestmark = pytest.mark.django_db


def book(participant, alice, meeting_on, outside=(), **values):
    return meeting_book(
        participant=participant,
        actor=alice,
        kind="sip",
        need="Boende och ekonomi",
        meeting_on=meeting_on,
        units=["Vuxenenheten", "Ekonomiskt bistånd"],
        outside_parties=list(outside),
        participant_agreed=True,
        **values,
    )


def held(meeting, alice, **values):
    arguments = {
        "chair": "Alice",
        "minute_taker": "Bo",
        "minutes": "Vuxenenheten ordnar boende.",
        "lead_unit": "Vuxenenheten",
        "follow_up_on": days(40),
    }
    arguments.update(values)
    meeting_minutes_record(meeting=meeting, actor=alice, **arguments)


@pytest.fixture
def meetings(alice, bob, ada, hela_manniskan, district):
    participant = participant_register(
        organisation=hela_manniskan,
        actor=alice,
        reference="HM-0001",
        display_name="Kim Åberg",
        **INTAKE,
    )
    consent_services.consent_record(
        participant=participant,
        actor=alice,
        organisations=[district],
        external_names=[OUTSIDE],
        purpose="Samordning",
        signed_on=days(-60),
        signed_by="participant",
    )
    meeting_offer_record(
        participant=participant,
        offered_on=days(-40),
        unit="Vuxenenheten",
        answer="declined",
        offerer=alice,
        actor=alice,
    )
    meeting_offer_record(
        participant=participant,
        offered_on=days(-36),
        unit="Ekonomiskt bistånd",
        answer="asked_for",
        offerer=alice,
        actor=alice,
    )
    first = book(
        participant,
        alice,
        days(-20),
        outside=[OUTSIDE, district.slug],
        staff=[bob],
        starts_at=time(9, 30),
        ends_at=time(11, 0),
        place="Rum 3",
        video_link="https://video.example/rum3",
        agenda="Boendet",
    )
    meeting_invitation_record(meeting=first, sent_on=days(-34), actor=alice)
    invitees = list(first.invitees.order_by("position"))
    held(
        first,
        alice,
        attendance={invitees[0].pk: True, invitees[2].pk: False},
        actions=[ActionValue(who="Bob Berg", what="Ringa hyresvärden", due_on=days(-5))],
    )
    second = book(participant, alice, days(-10))
    meeting_invitation_record(meeting=second, sent_on=days(-12), actor=alice)
    held(
        second,
        alice,
        lead_unit="",
        follow_up_on=None,
        no_decision=True,
        escalation_agreed=True,
        escalated_to="Enhetscheferna",
    )
    meeting_cancel(meeting=book(participant, alice, days(-5)), actor=alice)
    book(participant, alice, days(30), outside=[OUTSIDE], follow_up_of=first)
    return participant


def test_export_holds_the_format_keys_first_then_the_rest(meetings):
    case = json.loads(export())["cases"][0]
    first = case["coordination_meetings"][0]
    assert list(first)[:6] == [
        "meeting_on",
        "invitation_sent_on",
        "status",
        "units",
        "lead_unit",
        "follow_up_on",
    ]
    assert first["units"] == ["Vuxenenheten", "Ekonomiskt bistånd"]
    assert first["outside_parties"] == [OUTSIDE, "district"]
    assert first["invitation_sent_on"] == days(-34).isoformat()
    assert [m["status"] for m in case["coordination_meetings"]] == [
        "held",
        "held",
        "cancelled",
        "planned",
    ]
    assert case["coordination_meetings"][1]["escalated_on"] == days(0).isoformat()
    assert case["coordination_meetings"][1]["escalated_to"] == "Enhetscheferna"
    assert (first["starts_at"], first["ends_at"], first["place"]) == ("09:30", "11:00", "Rum 3")
    assert first["staff"] == ["bob@hela.example"]
    assert (first["present"], first["absent"]) == (["Vuxenenheten"], ["bob@hela.example"])
    assert first["actions"] == [
        {
            "who": "Bob Berg",
            "what": "Ringa hyresvärden",
            "due_on": days(-5).isoformat(),
            "goal": None,
        }
    ]
    assert case["coordination_meetings"][3]["follow_up_of"] == 0
    assert [offer["answer"] for offer in case["intern_sip_offers"]] == ["declined", "asked_for"]


def test_export_import_export_round_trips(meetings, tmp_path):
    exported = export()
    original = copy.deepcopy(json.loads(exported))
    Participant.objects.all().delete()
    assert not CoordinationMeeting.objects.exists()
    output = run_import(tmp_path, exported)
    assert "4 coordination_meetings" in output
    assert "2 intern_sip_offers" in output
    assert export() == exported
    assert json.loads(export()) == original


def spec_meeting(**values) -> dict:
    meeting = {
        "meeting_on": days(-20).isoformat(),
        "invitation_sent_on": days(-30).isoformat(),
        "status": "held",
        "units": ["Adult unit", "Financial aid"],
        "lead_unit": "Adult unit",
        "follow_up_on": days(40).isoformat(),
    }
    meeting.update(values)
    return meeting


def test_the_formats_own_keys_are_enough(tmp_path, ada, alice, district):
    case = valid_case()
    case["coordination_meetings"] = [spec_meeting(outside_parties=["District"])]
    run_import(tmp_path, file_of(case))
    meeting = CoordinationMeeting.objects.get()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.participant_agreed
    assert meeting.kind == "intern_sip"
    assert meeting.invited_late
    assert [invitee.name for invitee in meeting.invitees.all()] == [
        "Adult unit",
        "Financial aid",
        "District",
    ]


def test_import_errors_name_case_and_field(tmp_path, ada, alice, district):
    case = valid_case("HM-0100")
    case["coordination_meetings"] = [
        spec_meeting(outside_parties=["Kronofogden"]),
        spec_meeting(meeting_on=days(3).isoformat(), invitation_sent_on=None, follow_up_on=None),
        spec_meeting(invitation_sent_on=days(-19).isoformat()),
        spec_meeting(lead_unit=""),
        spec_meeting(participant_agreed=False),
        spec_meeting(meeting_on="2026-13-01", status="done", units="Adult unit"),
    ]
    errors = import_errors(tmp_path, file_of(case))
    prefix = "cases[0] (HM-0100) coordination_meetings"
    assert f"{prefix}[5].meeting_on: is not a valid date" in errors
    assert any(e.startswith(f"{prefix}[5].status: unknown value 'done'") for e in errors)
    assert f"{prefix}[5].units: must be a list of strings" in errors
    # Shape errors stop the case before the services judge it.
    assert not any(e.startswith(f"{prefix}[0]") for e in errors)

    del case["coordination_meetings"][5]
    errors = import_errors(tmp_path, file_of(case))
    assert (
        f"{prefix}[0].outside_parties: No consent of the participant valid on the meeting "
        f"date ({days(-20).isoformat()}) covers Kronofogden."
    ) in errors
    assert any(
        e.startswith(f"{prefix}[1].meeting_on: A meeting in the future cannot have been held")
        for e in errors
    )
    assert (
        f"{prefix}[2].invitation_sent_on: The invitation cannot be sent after the meeting date "
        f"({days(-20).isoformat()})."
    ) in errors
    assert any(e.startswith(f"{prefix}[3].lead_unit: A held meeting names") for e in errors)
    assert any(e.startswith(f"{prefix}[4].participant_agreed:") for e in errors)
    assert not Participant.objects.filter(reference="HM-0100").exists()
    assert not CoordinationMeeting.objects.exists()
