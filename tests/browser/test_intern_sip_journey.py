"""Issue 16's journey on a phone (375 px): record an Intern-SIP offer the participant accepts,
book the meeting with its time, place, agenda and a colleague invited by name, e-mail the
invitation, hold the meeting and write the minutes with attendance and an agreed action,
then book the follow-up meeting the minutes decided. Only the real UI, in Debian's Chromium.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page

from cm_portal.models import OutboxMessage
from plans.models import CoordinationMeeting, MeetingOffer
from plans.services.invitations import meeting_invitation_email
from tests.participants.factories import register

from .test_case_manager_journey import PHONE
from .test_plan_journey import _fits_the_phone, _log_in, _open_from_the_menu

pytestmark = pytest.mark.browser


def _offer(page: Page) -> None:
    page.get_by_role("link", name="Record an Intern-SIP offer").click()
    page.get_by_label("Offered by the unit").fill("Vuxenenheten")
    page.get_by_label("Accepted").check()
    assert _fits_the_phone(page)
    page.get_by_role("button", name="Record the offer").click()
    # An accepted offer goes on to the booking.
    page.wait_for_url("**/meetings/new/")


def _book(page: Page, bob_name: str) -> None:
    page.get_by_label("The need for coordination").fill("Housing and money")
    page.get_by_label("Meeting date").fill(timezone.localdate().isoformat())
    page.get_by_label("Starts at").fill("09:30")
    page.get_by_label("Ends at").fill("10:30")
    page.get_by_label("Place", exact=True).fill("Room 3")
    page.get_by_label("Agenda").fill("Who arranges the housing?")
    page.get_by_label("The participant agrees to the meeting").check()
    page.get_by_label("Invited units of our own organisation").fill("Financial aid")
    page.get_by_label(bob_name).check()
    assert _fits_the_phone(page)
    page.get_by_role("button", name="Book the meeting").click()
    page.wait_for_url("**/meetings/*/")
    assert "The meeting was booked." in page.inner_text("main")


def _minute(page: Page) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="Record the meeting as held"))
    form.locator("#id_chair").fill("Alice")
    form.locator("#id_minute_taker").fill("Bob")
    form.locator("#id_minutes").fill("Financial aid looks into housing.")
    form.locator("#id_lead_unit").fill("Financial aid")
    form.locator("#id_follow_up_on").fill((timezone.localdate() + timedelta(days=30)).isoformat())
    form.get_by_label("Attendance: Financial aid").select_option(label="Came")
    form.locator("#id_actions-0-who").fill("Bob")
    form.locator("#id_actions-0-what").fill("Call the landlord")
    assert _fits_the_phone(page)
    form.get_by_role("button", name="Record the meeting as held").click()
    page.wait_for_url("**/meetings/*/")
    assert "The minutes were recorded." in page.inner_text("main")


def test_offer_accept_book_invite_hold_minute_and_follow_up_on_a_phone(
    live_server, open_page, alice, bob, hela_manniskan
):
    participant = register(
        hela_manniskan,
        alice,
        display_name="Kim Svensson",
        intervention_start=timezone.localdate() - timedelta(days=20),
    )
    base = live_server.url
    page = open_page(**PHONE)
    _log_in(page, base, alice)
    page.goto(f"{base}/participants/{participant.pk}/")
    _open_from_the_menu(page, "Coordination meetings")

    _offer(page)
    assert MeetingOffer.objects.get().answer == "accepted"
    _book(page, bob.get_full_name())
    meeting = CoordinationMeeting.objects.get()
    assert meeting.place == "Room 3"

    page.get_by_role("button", name="E-mail the invitation to the invited staff").click()
    page.wait_for_url("**/meetings/*/")
    # Booked for today: the invitation is late, and the page says so.
    assert "less than 14 days before the meeting" in page.inner_text("main")
    assert OutboxMessage.objects.filter(task_name="plans.tasks.email_meeting_invitation").exists()
    meeting_invitation_email(meeting_id=meeting.pk)  # what the worker runs
    assert [message.to for message in mail.outbox] == [[bob.email]]

    _minute(page)
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert list(meeting.actions.values_list("what", flat=True)) == ["Call the landlord"]
    text = page.inner_text("main")
    assert "Call the landlord" in text
    assert "Financial aid: came" in text

    page.get_by_role("link", name="Book the follow-up meeting").click()
    page.wait_for_url("**/meetings/new/?follow_up_of=*")
    page.get_by_label("The participant agrees to the meeting").check()
    assert _fits_the_phone(page)
    page.get_by_role("button", name="Book the meeting").click()
    page.wait_for_url("**/meetings/*/")
    follow_up = CoordinationMeeting.objects.exclude(pk=meeting.pk).get()
    assert follow_up.follow_up_of == meeting
    assert follow_up.meeting_on == timezone.localdate() + timedelta(days=30)
    assert _fits_the_phone(page)
