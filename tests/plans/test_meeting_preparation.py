"""A planned meeting moved, or its place or agenda changed (issue 16, step 3): the old and
new values are kept, the rules of booking still hold, and when the invitation was e-mailed
already the invited staff get the new time or place once, as a change of the same calendar
entry (same UID, SEQUENCE one higher), with nothing personal beyond the reference."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from cm_portal.models import AccessEvent
from participants.models import CaseChange
from plans.models import CoordinationMeeting, MeetingStatus
from plans.services.invitations import (
    meeting_invitation_email,
    meeting_invitation_send,
    meeting_preparation_change,
)
from tests.consent.helpers import english_client

from .fixtures_meetings import english, participant_fixture  # noqa: F401
from .helpers_meetings import days, preparation_form
from .test_intern_sip import NEED, book, hold

pytestmark = pytest.mark.django_db


def change(meeting, alice, **values):
    arguments = {
        "meeting_on": meeting.meeting_on,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "video_link": meeting.video_link,
        "agenda": meeting.agenda,
    }
    arguments.update(values)
    return meeting_preparation_change(meeting=meeting, actor=alice, **arguments)


def _event(message):
    ((_filename, content, _mimetype),) = message.attachments
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    return event, content


def test_a_moved_meeting_is_e_mailed_again_as_a_change_of_the_same_calendar_entry(
    participant, alice, bob
):
    meeting = book(participant, alice, bob)
    meeting_invitation_send(meeting=meeting, actor=alice)
    assert meeting_invitation_email(meeting_id=meeting.pk) == 1
    first, _content = _event(mail.outbox[0])

    result = change(meeting, alice, meeting_on=days(22), starts_at=time(13, 0), ends_at=None)

    assert result.changed == ["meeting_on", "starts_at", "ends_at"]
    assert result.emailed_again
    assert meeting_invitation_email(meeting_id=meeting.pk) == 1
    assert meeting_invitation_email(meeting_id=meeting.pk) == 0  # once, not twice
    assert len(mail.outbox) == 2
    message = mail.outbox[1]
    assert message.to == [bob.email]
    assert participant.reference in message.subject
    assert message.subject != mail.outbox[0].subject  # says the time or place changed
    event, content = _event(message)
    assert str(event["uid"]) == str(first["uid"])
    assert int(event["sequence"]) == int(first["sequence"]) + 1
    start = event.decoded("dtstart").astimezone(ZoneInfo("Europe/Stockholm"))
    assert (start.date(), start.hour, start.minute) == (days(22), 13, 0)
    everything = (
        message.subject
        + message.body
        + (content.decode() if isinstance(content, bytes) else content)
    )
    for secret in (participant.display_name, NEED, "Vem ordnar boendet"):
        assert secret not in everything, secret
    # The invitation went out when it did: moving the meeting does not make it later.
    meeting.refresh_from_db()
    assert meeting.invitation_sent_on == days(0)


def test_the_changes_are_kept_with_old_and_new_values_and_logged(participant, alice, bob):
    meeting = book(participant, alice, bob)
    change(meeting, alice, place="Rum 4", agenda="Boendet")
    changes = CaseChange.objects.filter(
        object_type="coordinationmeeting", object_id=meeting.pk
    ).values_list("field", "old_value", "new_value")
    assert set(changes) == {
        ("place", "Skärholmsvägen 1, rum 3", "Rum 4"),
        ("agenda", "Vem ordnar boendet?", "Boendet"),
    }
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.CHANGE, detail=f"meeting {meeting.pk} preparation"
    ).exists()


def test_nothing_is_e_mailed_for_an_agenda_or_before_the_invitation_went_out(
    participant, alice, bob
):
    meeting = book(participant, alice, bob)
    moved = change(meeting, alice, meeting_on=days(25))
    assert moved.changed == ["meeting_on"] and not moved.emailed_again
    meeting_invitation_send(meeting=meeting, actor=alice)
    meeting_invitation_email(meeting_id=meeting.pk)
    agenda = change(meeting, alice, agenda="Boendet och skulderna")
    assert agenda.changed == ["agenda"] and not agenda.emailed_again
    assert meeting_invitation_email(meeting_id=meeting.pk) == 0
    assert len(mail.outbox) == 1
    unchanged = change(meeting, alice)
    assert unchanged.changed == [] and not unchanged.emailed_again


def test_the_rules_of_booking_hold(participant, alice, bob):
    meeting = book(participant, alice, bob)
    with pytest.raises(ValidationError) as raised:
        change(meeting, alice, starts_at=time(12, 0), ends_at=time(11, 0))
    assert "ends_at" in raised.value.error_dict
    with pytest.raises(ValidationError) as raised:
        change(meeting, alice, meeting_on=participant.intervention_start.replace(year=2000))
    assert "meeting_on" in raised.value.error_dict
    stored = CoordinationMeeting.objects.get(pk=meeting.pk)
    assert (stored.meeting_on, stored.starts_at, stored.ends_at) == (
        days(20),
        time(9, 30),
        time(11, 0),
    )


def test_a_held_meeting_cannot_be_changed(participant, alice, bob):
    meeting = book(participant, alice, bob, meeting_on=days(0))
    hold(meeting, alice)
    with pytest.raises(ValidationError) as raised:
        change(meeting, alice, place="Rum 4")
    assert raised.value.code == "not_planned"
    client = english_client(alice)
    url = reverse(
        "plans:meeting_preparation", kwargs={"pk": participant.pk, "meeting_pk": meeting.pk}
    )
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/meetings/{meeting.pk}/")
    assert "only a planned meeting can be changed" in response.content.decode()


def test_the_page_shows_the_meeting_and_saves_the_change(participant, alice, bob):
    meeting = book(participant, alice, bob)
    client = english_client(alice)
    detail = reverse(
        "plans:meeting_detail", kwargs={"pk": participant.pk, "meeting_pk": meeting.pk}
    )
    url = reverse(
        "plans:meeting_preparation", kwargs={"pk": participant.pk, "meeting_pk": meeting.pk}
    )
    assert url in client.get(detail).content.decode()  # the meeting's page links to it
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Skärholmsvägen 1, rum 3"' in page.content.decode()

    refused = client.post(url, preparation_form(starts_at="12:00", ends_at="11:00"))
    assert refused.status_code == 400
    assert "The meeting must end after it starts." in refused.content.decode()

    saved = client.post(url, preparation_form(), follow=True)
    assert saved.redirect_chain[-1][0] == detail
    assert "The meeting was changed." in saved.content.decode()
    meeting.refresh_from_db()
    assert (meeting.meeting_on, meeting.starts_at, meeting.place, meeting.status) == (
        days(21),
        time(10, 0),
        "Rum 4",
        MeetingStatus.PLANNED,
    )


def test_once_e_mailed_the_time_and_the_place_stay(participant, alice, bob):
    meeting = book(participant, alice, bob)
    meeting_invitation_send(meeting=meeting, actor=alice)
    meeting_invitation_email(meeting_id=meeting.pk)
    with pytest.raises(ValidationError) as raised:
        change(meeting, alice, starts_at=None, ends_at=None, place="", video_link="")
    assert {"starts_at", "place"} <= set(raised.value.error_dict)
    # Nor before the day the invitation went out, said on the date the user changed.
    with pytest.raises(ValidationError) as raised:
        change(meeting, alice, meeting_on=days(-1))
    assert "The invitation went out on" in raised.value.error_dict["meeting_on"][0].message
    assert CoordinationMeeting.objects.get(pk=meeting.pk).place == "Skärholmsvägen 1, rum 3"


def test_a_meeting_moved_before_its_invitation_is_e_mailed_goes_out_as_it_now_is(
    participant, alice, bob
):
    """The e-mail was asked for but has not gone yet: nobody has an earlier version, so it
    is a plain invitation with the new time (SEQUENCE 0), sent once."""
    meeting = book(participant, alice, bob)
    meeting_invitation_send(meeting=meeting, actor=alice)
    moved = change(meeting, alice, starts_at=time(14, 0), ends_at=time(15, 0))
    assert not moved.emailed_again
    assert meeting_invitation_email(meeting_id=meeting.pk) == 1
    assert meeting_invitation_email(meeting_id=meeting.pk) == 0
    (message,) = mail.outbox
    assert message.subject.startswith(("Invitation", "Kallelse"))
    event, _content = _event(message)
    assert int(event["sequence"]) == 0
    start = event.decoded("dtstart").astimezone(ZoneInfo("Europe/Stockholm"))
    assert (start.hour, start.minute) == (14, 0)
