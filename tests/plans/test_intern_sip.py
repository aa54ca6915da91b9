"""Intern-SIP from the offer to the follow-up (seed 004): offers and their answers without a
consent, a request's deadline and reminders, the preparation, the invitation e-mail with its
``.ics`` (sent once, nothing personal beyond the reference), attendance and agreed actions,
the follow-up deadline, the guardians' consent under 18, and the minutes PDF."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from cm_portal.models import OutboxMessage
from participants.services import participant_register
from plans.models import (
    CoordinationMeeting,
    Deadline,
    DeadlineKind,
    DeadlineState,
    DocumentKind,
    MeetingOffer,
    PlanDocument,
    Reminder,
    ReminderStage,
)
from plans.services.deadlines import deadlines_recompute
from plans.services.documents import minutes_pdf_request, plan_document_pdf
from plans.services.individual_plan import goal_create
from plans.services.invitations import meeting_invitation_email, meeting_invitation_send
from plans.services.meetings import ActionValue, meeting_book, meeting_minutes_record
from plans.services.offers import meeting_offer_record
from plans.services.reminders import reminders_create
from tests.consent.helpers import INTAKE, english_client
from tests.helpers import pdf_to_text

from .fixtures_meetings import english, participant_fixture  # noqa: F401
from .helpers_meetings import days

pytestmark = pytest.mark.django_db

NEED = "Skulder och bostadslöshet"


def offer(participant, alice, answer, **values):
    arguments = {
        "participant": participant,
        "offered_on": days(-2),
        "unit": "Vuxenenheten",
        "answer": answer,
        "offerer": alice,
        "actor": alice,
    }
    arguments.update(values)
    return meeting_offer_record(**arguments)


def book(participant, alice, bob, **values):
    arguments = {
        "participant": participant,
        "actor": alice,
        "kind": "intern_sip",
        "need": NEED,
        "meeting_on": days(20),
        "units": ["Ekonomiskt bistånd"],
        "staff": [bob],
        "outside_parties": [],
        "participant_agreed": True,
        "starts_at": time(9, 30),
        "ends_at": time(11, 0),
        "place": "Skärholmsvägen 1, rum 3",
        "agenda": "Vem ordnar boendet?",
    }
    arguments.update(values)
    return meeting_book(**arguments)


def hold(meeting, alice, **values):
    arguments = {
        "chair": "Alice",
        "minute_taker": "Bob",
        "minutes": "Ekonomiskt bistånd utreder boende.",
        "lead_unit": "Ekonomiskt bistånd",
        "follow_up_on": days(30),
        "actor": alice,
    }
    arguments.update(values)
    return meeting_minutes_record(meeting=meeting, **arguments)


def deadline(participant, kind):
    deadlines_recompute(participant_id=participant.pk)
    return Deadline.objects.get(participant=participant, kind=kind)


# --- the offer -----------------------------------------------------------------------------


def test_a_declined_offer_is_recorded_without_any_consent(alice, hela_manniskan):
    participant = participant_register(
        organisation=hela_manniskan, actor=alice, display_name="Sam", **INTAKE
    )
    assert not participant.consents.exists()
    recorded = offer(participant, alice, "declined")
    assert MeetingOffer.objects.get().answer == "declined"
    assert recorded.offered_by == alice
    # A declined offer opens no deadline: nothing has to be held.
    deadlines_recompute(participant_id=participant.pk)
    assert not Deadline.objects.filter(kind=DeadlineKind.MEETING_ASKED_FOR).exists()


def test_an_offer_needs_a_unit_and_a_date_not_in_the_future(participant, alice):
    with pytest.raises(ValidationError) as raised:
        offer(participant, alice, "accepted", unit=" ", offered_on=days(1))
    assert set(raised.value.error_dict) == {"unit", "offered_on"}


def test_asked_for_opens_a_deadline_with_reminders_met_when_a_meeting_is_held(
    participant, alice, bob
):
    asked = offer(participant, alice, "asked_for", offered_on=days(-25))
    row = deadline(participant, DeadlineKind.MEETING_ASKED_FOR)
    assert (row.subject_id, row.window_opens, row.due_on) == (asked.pk, days(-25), days(5))
    assert row.state == DeadlineState.OPEN
    # Five days left: the "7 days left" reminder goes to the assigned case manager, once.
    assert reminders_create() >= 1
    assert reminders_create() == 0
    reminder = Reminder.objects.get(deadline=row)
    assert (reminder.stage, reminder.recipient) == (ReminderStage.SEVEN_DAYS_BEFORE, alice)
    meeting = book(participant, alice, bob, meeting_on=days(-1))
    hold(meeting, alice)
    row = deadline(participant, DeadlineKind.MEETING_ASKED_FOR)
    assert (row.state, row.met_on) == (DeadlineState.MET, days(-1))


def test_the_offer_page_records_a_declined_offer(participant, alice):
    client = english_client(alice)
    url = reverse("plans:meeting_offer_create", kwargs={"pk": participant.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "offered_on": days(0).isoformat(),
            "unit": "Vuxenenheten",
            "offerer": alice.pk,
            "answer": "declined",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:meetings", kwargs={"pk": participant.pk})
    page = client.get(response["Location"]).content.decode()
    assert "Declined" in page


# --- the consent step ----------------------------------------------------------------------


def test_under_18_the_guardians_consent_too(alice, bob, hela_manniskan):
    young = participant_register(
        organisation=hela_manniskan,
        actor=alice,
        display_name="Ung",
        **{**INTAKE, "birth_year": days(0).year - 17},
    )
    with pytest.raises(ValidationError) as raised:
        book(young, alice, bob)
    assert "guardian_consented" in raised.value.error_dict
    assert book(young, alice, bob, guardian_consented=True).guardian_consented


def test_staff_of_another_organisation_cannot_be_invited_by_name(participant, alice, charlie):
    with pytest.raises(ValidationError) as raised:
        book(participant, alice, charlie)
    assert "staff" in raised.value.error_dict


# --- the invitation e-mail -----------------------------------------------------------------


def test_the_invitation_is_e_mailed_once_with_an_ics_holding_time_place_and_reference(
    participant, alice, bob, tess
):
    meeting = book(participant, alice, bob)
    meeting_invitation_send(meeting=meeting, actor=alice)
    meeting.refresh_from_db()
    assert meeting.invitation_sent_on == days(0)
    assert not meeting.invited_late
    outbox_row = OutboxMessage.objects.get(task_name="plans.tasks.email_meeting_invitation")
    assert outbox_row.args == [meeting.pk]
    assert meeting_invitation_email(meeting_id=meeting.pk) == 1
    # Sent once: a second send and a repeated task e-mail nobody again.
    meeting_invitation_send(meeting=meeting, actor=alice)
    assert meeting_invitation_email(meeting_id=meeting.pk) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [bob.email]
    ((filename, content, mimetype),) = message.attachments
    assert filename.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    end = event.decoded("dtend")
    assert start.astimezone().date() == days(20)
    local = start.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (local.hour, local.minute) == (9, 30)
    assert (end - start).seconds == 90 * 60
    assert str(event["location"]) == "Skärholmsvägen 1, rum 3"
    assert participant.reference in str(event["summary"])
    everything = (message.subject + message.body).encode() + (
        content if isinstance(content, bytes) else content.encode()
    )
    assert participant.reference.encode() in everything
    for secret in (participant.display_name, NEED, "Vem ordnar boendet", "Kim"):
        assert secret.encode() not in everything, secret


def test_a_late_invitation_is_flagged(participant, alice, bob):
    meeting = book(participant, alice, bob, meeting_on=days(10))
    meeting_invitation_send(meeting=meeting, actor=alice)
    meeting.refresh_from_db()
    assert meeting.invited_late


def test_the_invitation_needs_a_time_and_a_place(participant, alice, bob):
    meeting = book(participant, alice, bob, starts_at=None, ends_at=None, place="")
    with pytest.raises(ValidationError) as raised:
        meeting_invitation_send(meeting=meeting, actor=alice)
    assert {"starts_at", "place"} <= set(raised.value.error_dict)
    assert not OutboxMessage.objects.filter(
        task_name="plans.tasks.email_meeting_invitation"
    ).exists()


def test_the_send_button_answers_through_the_page(participant, alice, bob):
    meeting = book(participant, alice, bob)
    client = english_client(alice)
    url = reverse(
        "plans:meeting_invitation_send", kwargs={"pk": participant.pk, "meeting_pk": meeting.pk}
    )
    response = client.post(url)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.invitation_sent_on == days(0)


# --- the meeting: attendance, actions, follow-up -------------------------------------------


def test_attendance_and_actions_are_recorded_and_the_action_shows_with_its_goal(
    participant, alice, bob
):
    goal = goal_create(
        participant=participant,
        title="Eget boende",
        first_sub_goal="Söka lägenhet",
        expected_version=0,
        actor=alice,
    )
    meeting = book(participant, alice, bob, meeting_on=days(0))
    unit, staff = meeting.invitees.order_by("position")
    hold(
        meeting,
        alice,
        attendance={unit.pk: True, staff.pk: False},
        actions=[
            ActionValue(who="Ekonomiskt bistånd", what="Utreda boende", due_on=days(14), goal=goal),
            ActionValue(who="", what=""),  # an empty row of the form
        ],
    )
    unit.refresh_from_db()
    staff.refresh_from_db()
    assert (unit.attended, staff.attended) == (True, False)
    (action,) = meeting.actions.all()
    assert (action.who, action.due_on, action.goal) == ("Ekonomiskt bistånd", days(14), goal)
    page = english_client(alice).get(reverse("plans:plan", kwargs={"pk": participant.pk}))
    assert "Utreda boende" in page.content.decode()


def test_an_action_must_say_who_and_what(participant, alice, bob):
    meeting = book(participant, alice, bob, meeting_on=days(0))
    with pytest.raises(ValidationError) as raised:
        hold(meeting, alice, actions=[ActionValue(who="Vuxenenheten", what="")])
    assert "actions" in raised.value.error_dict


def test_the_minutes_page_takes_attendance_and_actions(participant, alice, bob):
    meeting = book(participant, alice, bob, meeting_on=days(0))
    unit, staff = meeting.invitees.order_by("position")
    url = reverse("plans:meeting_minutes", kwargs={"pk": participant.pk, "meeting_pk": meeting.pk})
    response = english_client(alice).post(
        url,
        {
            "chair": "Alice",
            "minute_taker": "Bob",
            "minutes": "Plan",
            "lead_unit": "Vuxenenheten",
            "follow_up_on": days(30).isoformat(),
            f"attended_{unit.pk}": "present",
            f"attended_{staff.pk}": "absent",
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "0",
            "actions-0-who": "Bob",
            "actions-0-what": "Ringa hyresvärden",
            "actions-0-due_on": days(7).isoformat(),
            "actions-1-who": "",
            "actions-1-what": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [i.attended for i in meeting.invitees.order_by("position")] == [True, False]
    assert list(meeting.actions.values_list("what", flat=True)) == ["Ringa hyresvärden"]


def test_the_follow_up_date_opens_a_deadline_with_reminders_met_by_the_follow_up(
    participant, alice, bob
):
    meeting = book(participant, alice, bob, meeting_on=days(-20))
    hold(meeting, alice, follow_up_on=days(3))
    row = deadline(participant, DeadlineKind.MEETING_FOLLOW_UP)
    assert (row.subject_id, row.window_opens, row.due_on) == (meeting.pk, days(-11), days(3))
    assert row.state == DeadlineState.OPEN
    reminders_create()
    assert Reminder.objects.filter(
        deadline=row, stage=ReminderStage.SEVEN_DAYS_BEFORE, recipient=alice
    ).exists()
    # A meeting that is not its follow-up does not meet it; the booked follow-up does.
    hold(book(participant, alice, bob, meeting_on=days(-1)), alice, follow_up_on=None)
    assert deadline(participant, DeadlineKind.MEETING_FOLLOW_UP).state == DeadlineState.OPEN
    follow_up = book(participant, alice, bob, meeting_on=days(0), follow_up_of=meeting)
    hold(follow_up, alice, follow_up_on=None)
    row = deadline(participant, DeadlineKind.MEETING_FOLLOW_UP)
    assert (row.state, row.met_on) == (DeadlineState.MET, days(0))


def test_a_follow_up_of_another_persons_meeting_is_a_404(participant, alice, bob, hela_manniskan):
    other = participant_register(
        organisation=hela_manniskan, actor=alice, display_name="Annan", **INTAKE
    )
    theirs = book(other, alice, bob, meeting_on=days(-3))
    hold(theirs, alice)
    url = reverse("plans:meeting_create", kwargs={"pk": participant.pk})
    client = english_client(alice)
    assert client.get(f"{url}?follow_up_of={theirs.pk}").status_code == 404
    assert client.get(f"{url}?follow_up_of=x").status_code == 404
    mine = book(participant, alice, bob, meeting_on=days(-3))
    hold(mine, alice)
    page = client.get(f"{url}?follow_up_of={mine.pk}")
    assert page.status_code == 200
    assert days(30).isoformat() in page.content.decode()


# --- the minutes PDF -----------------------------------------------------------------------


def test_the_minutes_pdf_lists_participants_decisions_actions_lead_unit_and_signatures(
    participant, alice, bob
):
    meeting = book(participant, alice, bob, meeting_on=days(0))
    with pytest.raises(ValidationError):
        minutes_pdf_request(meeting=meeting, actor=alice)  # not held yet
    unit, staff = meeting.invitees.order_by("position")
    hold(
        meeting,
        alice,
        attendance={unit.pk: True, staff.pk: True},
        actions=[ActionValue(who="Bob Berg", what="Ringa hyresvärden", due_on=days(7))],
    )
    document = minutes_pdf_request(meeting=meeting, actor=alice)
    assert document.kind == DocumentKind.MINUTES
    assert PlanDocument.objects.filter(kind=DocumentKind.MINUTES).count() == 1
    text = pdf_to_text(plan_document_pdf(document))
    for expected in (
        "Intern-SIP",
        "Ekonomiskt bistånd utreder boende.",
        "Ringa hyresvärden",
        days(7).isoformat(),
        days(30).isoformat(),
        "Bob Berg",
        "Alice",
    ):
        assert expected in text, expected
    assert "Signatures" in text or "Underskrifter" in text
    assert text.count("Ekonomiskt bistånd") >= 2  # present, and the lead unit


def test_the_minutes_pdf_button_queues_it(participant, alice, bob):
    meeting = book(participant, alice, bob, meeting_on=days(0))
    hold(meeting, alice)
    url = reverse(
        "plans:minutes_pdf_request", kwargs={"pk": participant.pk, "meeting_pk": meeting.pk}
    )
    response = english_client(alice).post(url)
    assert response.status_code == 302
    document = PlanDocument.objects.get(kind=DocumentKind.MINUTES)
    assert response["Location"] == reverse(
        "plans:document_status", kwargs={"pk": participant.pk, "document_pk": document.pk}
    )


def test_book_page_posts_preparation_and_staff(participant, alice, bob):
    url = reverse("plans:meeting_create", kwargs={"pk": participant.pk})
    response = english_client(alice).post(
        url,
        {
            "kind": "intern_sip",
            "need": NEED,
            "meeting_on": days(20).isoformat(),
            "starts_at": "13:00",
            "place": "",
            "video_link": "https://video.example/abc",
            "agenda": "Boendet",
            "participant_agreed": "on",
            "units": "",
            "staff": [bob.pk],
            "outside_parties": "",
        },
    )
    assert response.status_code == 302
    meeting = CoordinationMeeting.objects.get()
    assert meeting.where == "https://video.example/abc"
    assert meeting.starts_at == time(13, 0)
    assert [i.staff for i in meeting.invitees.all()] == [bob]
