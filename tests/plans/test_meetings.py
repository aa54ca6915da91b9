"""Coordination meetings: booking with consent gating, the 14-day rule, minutes with escalation,
cancelling, the access log and the report counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cm_portal.models import AccessEvent
from consent.services import consent_record, consent_withdraw
from participants.models import CaseChange
from plans.models import CoordinationMeeting, MeetingStatus
from plans.selectors.meetings import meetings_held, meetings_invited_late
from plans.services.meetings import (
    meeting_book,
    meeting_cancel,
    meeting_invitation_record,
    meeting_minutes_record,
)
from tests.consent.helpers import english_client

from .fixtures_meetings import (  # noqa: F401
    consent_fixture,
    english,
    meeting_fixture,
    participant_fixture,
)
from .helpers_meetings import OUTSIDE, booking_form, days, meeting_url, minutes_form

pytestmark = pytest.mark.django_db

# session, user, access checks, the log row, meetings + invitees, offers, the unread reminders count
# (16 before issue 21: the user's organisation, the log row's savepoint and lock, a permission)
QUERIES_ON_THE_LIST = 11


def book(participant, alice, **values) -> CoordinationMeeting:
    arguments = {
        "participant": participant,
        "actor": alice,
        "kind": "intern_sip",
        "need": "Boende",
        "meeting_on": days(20),
        "units": ["Vuxenenheten"],
        "outside_parties": [],
        "participant_agreed": True,
    }
    arguments.update(values)
    return meeting_book(**arguments)


def record_consent(participant, alice, *, organisations=(), names=(), **values):
    arguments = {
        "participant": participant,
        "actor": alice,
        "organisations": organisations,
        "external_names": names,
        "purpose": "Samordning",
        "signed_on": days(-5),
        "signed_by": "participant",
    }
    arguments.update(values)
    return consent_record(**arguments)


def messages_of(error: ValidationError, field: str) -> str:
    return " ".join(error.value.message_dict[field])


# --- booking and consent gating ----------------------------------------------------------


def test_booking_a_meeting_invites_units_and_covered_parties(participant, alice):
    meeting = book(participant, alice, outside_parties=[f" {OUTSIDE.upper()} "])
    assert meeting.status == MeetingStatus.PLANNED
    assert [(i.name, i.outside) for i in meeting.invitees.all()] == [
        ("Vuxenenheten", False),
        (OUTSIDE.upper(), True),
    ]
    event = AccessEvent.objects.filter(action="create").order_by("-pk").first()
    assert event.detail == f"meeting {meeting.pk} booked"
    assert event.object_type == "participant"
    assert event.object_id == str(participant.pk)


def test_an_uncovered_party_is_refused_and_named(participant, alice):
    with pytest.raises(ValidationError) as error:
        book(participant, alice, outside_parties=[OUTSIDE, "Kronofogden", "Polisen"])
    text = messages_of(error, "outside_parties")
    assert "Kronofogden, Polisen" in text
    assert OUTSIDE not in text
    assert "Record a consent" in text
    assert not CoordinationMeeting.objects.exists()


@pytest.mark.parametrize("name", ["District social services", "district", " DISTRICT "])
def test_an_organisation_is_covered_by_name_or_slug(participant, alice, district, name):
    district.name = "District social services"
    district.save()
    record_consent(participant, alice, organisations=[district])
    assert book(participant, alice, outside_parties=[name]).invitees.filter(outside=True)


def test_a_withdrawn_consent_covers_nothing(participant, alice, consent):
    consent_withdraw(consent=consent, withdrawn_on=days(0), by_whom="participant", actor=alice)
    with pytest.raises(ValidationError) as error:
        book(participant, alice, outside_parties=[OUTSIDE])
    assert OUTSIDE in messages_of(error, "outside_parties")


def test_an_expired_consent_covers_nothing(participant, alice):
    record_consent(participant, alice, names=["Psykiatrin"], valid_until=days(-1))
    with pytest.raises(ValidationError):
        book(participant, alice, outside_parties=["Psykiatrin"])


def test_a_consent_signed_later_does_not_count_yet(participant, alice):
    # Only a date in the future could be later than today: the form refuses that, so the
    # selector's cut-off is checked on a consent valid from today.
    record_consent(participant, alice, names=["Psykiatrin"], signed_on=days(0))
    assert book(participant, alice, outside_parties=["psykiatrin"])


def test_another_valid_consent_covers_the_other_organisation(participant, alice, district):
    record_consent(participant, alice, names=["Psykiatrin"], valid_until=days(-1))
    record_consent(participant, alice, organisations=[district])
    assert book(participant, alice, outside_parties=[district.name])


def test_the_participant_must_agree(participant, alice):
    with pytest.raises(ValidationError) as error:
        book(participant, alice, participant_agreed=False)
    assert "agree" in messages_of(error, "participant_agreed")


def test_the_meeting_date_cannot_be_before_the_intervention_start(participant, alice):
    with pytest.raises(ValidationError) as error:
        book(participant, alice, meeting_on=participant.intervention_start.replace(day=1, month=1))
    assert "intervention start" in messages_of(error, "meeting_on")


def test_someone_must_be_invited(participant, alice):
    with pytest.raises(ValidationError) as error:
        book(participant, alice, units=[" "], outside_parties=[])
    assert "at least one" in messages_of(error, "units")


def test_a_name_longer_than_its_column_is_refused(participant, alice):
    with pytest.raises(ValidationError) as error:
        book(participant, alice, units=["Vuxenenheten", "a" * 201])
    assert "at most 200 characters" in messages_of(error, "units")
    assert not CoordinationMeeting.objects.exists()


def test_at_most_a_hundred_are_invited(participant, alice):
    with pytest.raises(ValidationError) as error:
        book(participant, alice, units=[f"Enhet {number}" for number in range(101)])
    assert "At most 100" in messages_of(error, "units")


def test_an_overlong_line_on_the_booking_page_is_an_error_not_a_crash(participant, alice):
    url = reverse("plans:meeting_create", kwargs={"pk": participant.pk})

    response = english_client(alice).post(url, booking_form(units="a" * 201))

    assert response.status_code == 200
    assert "A name is too long (at most 200 characters)" in response.content.decode()
    assert not CoordinationMeeting.objects.exists()


# --- the 14-day rule -----------------------------------------------------------------------


@pytest.mark.parametrize(("ahead", "late"), [(14, False), (15, False), (13, True), (0, True)])
def test_invitation_is_late_when_less_than_14_days_ahead(participant, alice, ahead, late):
    meeting = book(participant, alice, meeting_on=days(ahead))
    meeting_invitation_record(meeting=meeting, sent_on=days(0), actor=alice)
    meeting.refresh_from_db()
    assert meeting.invitation_sent_on == days(0)
    assert meeting.invited_late is late


def test_invitation_date_cannot_be_in_the_future(participant, alice):
    meeting = book(participant, alice, meeting_on=days(30))
    with pytest.raises(ValidationError) as error:
        meeting_invitation_record(meeting=meeting, sent_on=days(1), actor=alice)
    assert "future" in messages_of(error, "invitation_sent_on")
    meeting.refresh_from_db()
    assert meeting.invitation_sent_on is None


def test_invitation_cannot_be_sent_after_the_meeting(participant, alice):
    meeting = book(participant, alice, meeting_on=days(-3))
    with pytest.raises(ValidationError) as error:
        meeting_invitation_record(meeting=meeting, sent_on=days(-2), actor=alice)
    assert "after the meeting date" in messages_of(error, "invitation_sent_on")


def test_a_corrected_invitation_date_keeps_the_old_one(participant, alice):
    meeting = book(participant, alice, meeting_on=days(20))
    meeting_invitation_record(meeting=meeting, sent_on=days(-1), actor=alice)
    meeting_invitation_record(meeting=meeting, sent_on=days(0), actor=alice)
    change = CaseChange.objects.filter(field="invitation_sent_on").order_by("pk").last()
    assert (change.old_value, change.new_value) == (str(days(-1)), str(days(0)))


def test_the_late_invitation_warns_and_is_flagged_on_the_pages(participant, alice):
    meeting = book(participant, alice, meeting_on=days(13))
    client = english_client(alice)
    url = meeting_url("plans:meeting_invitation", meeting)
    response = client.post(url, {"sent_on": days(0).isoformat()}, follow=True)
    assert "less than 14 days before" in response.content.decode()
    assert "Late invitation" in response.content.decode()
    assert AccessEvent.objects.filter(detail=f"meeting {meeting.pk} invitation").exists()
    listing = client.get(reverse("plans:meetings", kwargs={"pk": participant.pk}))
    assert "Late invitation" in listing.content.decode()


def test_a_future_invitation_date_shows_the_form_again(participant, alice):
    meeting = book(participant, alice, meeting_on=days(20))
    client = english_client(alice)
    url = meeting_url("plans:meeting_invitation", meeting)
    response = client.post(url, {"sent_on": days(2).isoformat()})
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()


# --- minutes and escalation ------------------------------------------------------------------


def minutes(meeting, alice, **values):
    arguments = {
        "meeting": meeting,
        "chair": "Alice",
        "minute_taker": "Bo",
        "minutes": "Vuxenenheten ordnar boende.",
        "lead_unit": "Vuxenenheten",
        "follow_up_on": days(30),
        "actor": alice,
    }
    arguments.update(values)
    return meeting_minutes_record(**arguments)


def test_minutes_record_the_meeting_as_held(meeting, alice):
    minutes(meeting, alice)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert (meeting.chair, meeting.minute_taker, meeting.lead_unit) == (
        "Alice",
        "Bo",
        "Vuxenenheten",
    )
    assert meeting.escalated_on is None
    assert AccessEvent.objects.filter(detail=f"meeting {meeting.pk} minutes").exists()
    assert CaseChange.objects.filter(object_id=meeting.pk, field="status").exists()


@pytest.mark.parametrize("field", ["chair", "minute_taker", "minutes", "lead_unit"])
def test_minutes_need_chair_minute_taker_plan_and_lead_unit(meeting, alice, field):
    with pytest.raises(ValidationError) as error:
        minutes(meeting, alice, **{field: " "})
    assert field in error.value.message_dict
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_a_future_meeting_cannot_be_held(participant, alice):
    meeting = book(participant, alice, meeting_on=days(2))
    with pytest.raises(ValidationError) as error:
        minutes(meeting, alice)
    assert "future" in messages_of(error, "meeting_on")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_the_follow_up_must_come_after_the_meeting(meeting, alice):
    with pytest.raises(ValidationError) as error:
        minutes(meeting, alice, follow_up_on=meeting.meeting_on)
    assert "after the meeting date" in messages_of(error, "follow_up_on")


def test_no_decision_escalates_with_the_participants_consent(meeting, alice):
    minutes(
        meeting,
        alice,
        lead_unit="",
        no_decision=True,
        escalation_agreed=True,
        escalated_to="Enhetschefer",
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.escalated_on == days(0)
    assert meeting.escalated_to == "Enhetschefer"
    assert AccessEvent.objects.filter(detail=f"meeting {meeting.pk} minutes, escalated").exists()


def test_no_decision_without_the_participants_consent_is_refused(meeting, alice):
    with pytest.raises(ValidationError) as error:
        minutes(meeting, alice, lead_unit="", no_decision=True, escalation_agreed=False)
    assert "only if the participant agrees" in messages_of(error, "escalation_agreed")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert meeting.escalated_on is None


def test_no_decision_and_a_lead_unit_contradict(meeting, alice):
    with pytest.raises(ValidationError) as error:
        minutes(meeting, alice, no_decision=True, escalation_agreed=True)
    assert "not both" in messages_of(error, "lead_unit")


def test_minutes_page_refuses_escalation_without_consent(meeting, alice):
    client = english_client(alice)
    url = meeting_url("plans:meeting_minutes", meeting)
    response = client.post(url, minutes_form(lead_unit="", no_decision="on"))
    assert response.status_code == 400
    assert "only if the participant agrees" in response.content.decode()


def test_minutes_page_records_the_meeting(meeting, alice):
    client = english_client(alice)
    url = meeting_url("plans:meeting_minutes", meeting)
    response = client.post(url, minutes_form(), follow=True)
    assert "The minutes were recorded." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def test_a_held_meeting_cannot_be_changed(meeting, alice):
    minutes(meeting, alice)
    with pytest.raises(ValidationError, match="only a planned meeting"):
        meeting_cancel(meeting=meeting, actor=alice)
    with pytest.raises(ValidationError, match="only a planned meeting"):
        meeting_invitation_record(meeting=meeting, sent_on=days(0), actor=alice)


# --- cancel -------------------------------------------------------------------------------------


def test_cancel_a_planned_meeting(meeting, alice):
    meeting_cancel(meeting=meeting, actor=alice)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert AccessEvent.objects.filter(detail=f"meeting {meeting.pk} cancelled").exists()
    with pytest.raises(ValidationError, match="cancelled"):
        meeting_cancel(meeting=meeting, actor=alice)


def test_cancel_page(meeting, alice):
    client = english_client(alice)
    response = client.post(
        meeting_url("plans:meeting_cancel", meeting),
        follow=True,
    )
    assert "The meeting was cancelled." in response.content.decode()


# --- pages ------------------------------------------------------------------------------------


def test_the_booking_form_shows_the_covered_parties(participant, alice):
    client = english_client(alice)
    url = reverse("plans:meeting_create", kwargs={"pk": participant.pk})
    page = client.get(url).content.decode()
    assert f"Covered today: {participant.organisation.name}" in page
    assert OUTSIDE in page
    assert AccessEvent.objects.filter(action="view", detail="meeting form").exists()


def test_booking_through_the_form(participant, alice):
    client = english_client(alice)
    url = reverse("plans:meeting_create", kwargs={"pk": participant.pk})
    response = client.post(url, booking_form(outside_parties=OUTSIDE))
    meeting = CoordinationMeeting.objects.get()
    assert response["Location"] == meeting_url("plans:meeting_detail", meeting)
    assert meeting.invitees.count() == 3


def test_booking_an_uncovered_party_through_the_form(participant, alice):
    client = english_client(alice)
    url = reverse("plans:meeting_create", kwargs={"pk": participant.pk})
    response = client.post(url, booking_form(outside_parties="Kronofogden"))
    page = response.content.decode()
    assert "No valid consent of the participant covers Kronofogden" in page
    assert reverse("consent:create", kwargs={"pk": participant.pk}) in page
    assert not CoordinationMeeting.objects.exists()


def test_booking_without_the_participants_agreement_through_the_form(participant, alice):
    client = english_client(alice)
    url = reverse("plans:meeting_create", kwargs={"pk": participant.pk})
    response = client.post(url, booking_form(participant_agreed=""))
    assert "a coordination meeting is held only if they agree" in response.content.decode()
    assert not CoordinationMeeting.objects.exists()


def test_list_and_detail_are_logged_as_views(meeting, alice):
    client = english_client(alice)
    participant_pk = meeting.participant_id
    assert client.get(reverse("plans:meetings", kwargs={"pk": participant_pk}))
    page = client.get(meeting_url("plans:meeting_detail", meeting)).content.decode()
    assert "Vuxenenheten" in page
    assert OUTSIDE in page
    views = AccessEvent.objects.filter(action="view", object_id=str(participant_pk))
    assert set(views.values_list("detail", flat=True)) >= {"meetings", f"meeting {meeting.pk}"}


# --- report counts --------------------------------------------------------------------------------


def test_report_counts_held_and_late_meetings(participant, alice):
    on_time = book(participant, alice, meeting_on=days(-20))
    meeting_invitation_record(meeting=on_time, sent_on=days(-34), actor=alice)
    minutes(on_time, alice)
    late = book(participant, alice, meeting_on=days(-10))
    meeting_invitation_record(meeting=late, sent_on=days(-23), actor=alice)
    minutes(late, alice)
    not_invited = book(participant, alice, meeting_on=days(-5))
    minutes(not_invited, alice)
    late_not_held = book(participant, alice, meeting_on=days(0))
    meeting_invitation_record(meeting=late_not_held, sent_on=days(0), actor=alice)
    cancelled = book(participant, alice, meeting_on=days(-1))
    meeting_invitation_record(meeting=cancelled, sent_on=days(-1), actor=alice)
    meeting_cancel(meeting=cancelled, actor=alice)

    assert meetings_held(held_from=days(-30), held_to=days(0)) == 3
    assert meetings_invited_late(held_from=days(-30), held_to=days(0)) == 1
    assert meetings_held(held_from=days(-15), held_to=days(-6)) == 1
    assert meetings_invited_late(held_from=days(-15), held_to=days(-6)) == 1
    assert meetings_invited_late(held_from=days(-30), held_to=days(-11)) == 0


def test_the_list_page_query_count_does_not_grow_with_meetings(
    participant, alice, django_assert_num_queries
):
    client = english_client(alice)
    url = reverse("plans:meetings", kwargs={"pk": participant.pk})
    book(participant, alice)
    client.get(url)  # warm the session and the caches
    with django_assert_num_queries(QUERIES_ON_THE_LIST) as captured:
        client.get(url)
    for _ in range(3):
        book(participant, alice)
    with django_assert_num_queries(len(captured)):
        assert client.get(url).status_code == 200


def test_the_booking_form_says_when_no_outside_party_is_covered(participant, alice, consent):
    consent_withdraw(consent=consent, withdrawn_on=days(0), by_whom="participant", actor=alice)
    client = english_client(alice)
    url = reverse("plans:meeting_create", kwargs={"pk": participant.pk})
    page = client.get(url).content.decode()
    assert "no consent of the participant covers an outside party today" in page


def test_a_step_on_a_cancelled_meeting_is_refused_with_a_message(meeting, alice):
    meeting_cancel(meeting=meeting, actor=alice)
    client = english_client(alice)
    for name, data in (
        ("plans:meeting_invitation", {"sent_on": days(0).isoformat()}),
        ("plans:meeting_minutes", minutes_form()),
    ):
        response = client.post(
            meeting_url(name, meeting),
            data,
            follow=True,
        )
        assert "only a planned meeting can be changed" in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.invitation_sent_on) == (MeetingStatus.CANCELLED, None)
    assert AccessEvent.objects.filter(detail=f"meeting {meeting.pk} invitation").count() == 0
