"""The pages of retention: the team lead's legal hold, the administrators' dry run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cm_portal.models import AccessEvent
from participants import retention
from participants.models import CaseChange, Participant

from .factories import close_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def closed(participant, alice):
    close_case(participant, alice, on=timezone.localdate(), reason_code="moved", reason="Moved")
    return participant


def _age(participant: Participant, days: int) -> None:
    """Make the last entry ``days`` days older than the retention period."""
    case = retention.retention_case(participant)
    shift = (case.due_on - case.last_entry) + timedelta(days=days)
    Participant.objects.filter(pk=participant.pk).update(
        last_entry_at=participant.last_entry_at - shift
    )


def test_the_team_lead_places_and_lifts_a_legal_hold(client_as, closed, tess):
    client = client_as("tess")
    page = client.get(reverse("participants:detail", args=[closed.pk]))
    assert b"Place a legal hold" in page.content
    last_entry = Participant.objects.get().last_entry_at

    response = client.post(reverse("participants:legal_hold", args=[closed.pk]), {"hold": "on"})
    assert response.status_code == 302
    held = Participant.objects.get()
    assert held.legal_hold is True
    # Not an entry: the retention period still runs from the last one.
    assert held.last_entry_at == last_entry
    change = CaseChange.objects.get(field="legal_hold")
    assert (change.old_value, change.new_value, change.changed_by) == ("False", "True", tess)
    assert AccessEvent.objects.filter(detail="legal_hold placed", actor=tess).exists()
    page = client.get(reverse("participants:detail", args=[closed.pk]))
    assert b"On legal hold: kept" in page.content

    client.post(reverse("participants:legal_hold", args=[closed.pk]), {"hold": "off"})
    assert Participant.objects.get().legal_hold is False


def test_a_case_manager_cannot_place_a_hold(client_as, closed):
    response = client_as("alice").post(
        reverse("participants:legal_hold", args=[closed.pk]), {"hold": "on"}
    )
    assert response.status_code == 403
    assert Participant.objects.get().legal_hold is False


def test_a_bad_value_changes_nothing_and_says_why(client_as, closed):
    response = client_as("tess").post(
        reverse("participants:legal_hold", args=[closed.pk]), {"hold": "<script>"}, follow=True
    )
    assert b"Choose whether to place or lift the legal hold." in response.content
    assert Participant.objects.get().legal_hold is False


def test_a_closed_case_shows_when_it_will_be_deleted(client_as, closed):
    page = client_as("alice").get(reverse("participants:detail", args=[closed.pk]))
    day = retention.retention_case(Participant.objects.get()).delete_on
    assert f"Deleted on or after {day:%Y-%m-%d}".encode() in page.content


def test_the_dry_run_page_lists_due_and_held_cases(client_as, closed, bob, hela_manniskan):
    from .factories import register

    held = register(hela_manniskan, bob, display_name="Held")
    close_case(held, bob, on=timezone.localdate(), reason_code="moved", reason="Moved")
    Participant.objects.filter(pk=held.pk).update(legal_hold=True)
    _age(closed, days=40)
    _age(held, days=40)

    page = client_as("ada").get(reverse("participants:retention"))
    text = page.content.decode()
    assert page.status_code == 200
    assert closed.reference in text and held.reference in text
    assert "1 case is deleted at the next nightly run." in text
    assert "1 case is on legal hold." in text
    assert "Kim" not in text and "Held" not in text  # references, never names
    assert Participant.objects.count() == 2  # a dry run
    assert AccessEvent.objects.filter(object_type="retention_schedule").exists()


def test_the_dry_run_page_refuses_a_bad_choice(client_as, closed):
    page = client_as("ada").get(reverse("participants:retention"), {"days": "99999"})
    assert page.status_code == 200
    assert b"Select a valid choice" in page.content


def test_the_administrators_hear_of_due_cases_once_a_week(closed, ada, mailoutbox):
    _age(closed, days=0)
    today = timezone.localdate()

    with translation.override("sv"):
        assert retention.notify_administrators(today=today) is True
        # Twice in the same week (a second run, a retried task): still one e-mail.
        assert retention.notify_administrators(today=today + timedelta(days=1)) is False
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [ada.email]
    assert "1 avslutat ärende har passerat gallringsfristen och raderas inom 30 dagar." in (
        message.body
    )
    assert reverse("participants:retention") in message.body
    assert closed.reference not in message.body and "Kim" not in message.body


def test_no_e_mail_when_nothing_is_due_or_all_is_held(closed, ada, mailoutbox):
    today = timezone.localdate()
    assert retention.notify_administrators(today=today) is False  # not due yet
    _age(closed, days=0)
    Participant.objects.filter(pk=closed.pk).update(legal_hold=True)
    assert retention.notify_administrators(today=today) is False
    assert mailoutbox == []
