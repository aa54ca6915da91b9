"""A case manager moved to another organisation or role keeps nothing of her caseload
(security.md 29)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.http import Http404
from django.urls import reverse

from cm_portal import services
from cm_portal.models import AccountChangeRequest, Role, User
from participants.access import access_participant, can_change, participants_for
from participants.models import ParticipantUserObjectPermission

from ..factories import UserFactory
from ..helpers import LOGIN_URL

pytestmark = pytest.mark.django_db


def _case_urls(participant) -> list[str]:
    return [
        reverse("participants:detail", kwargs={"pk": participant.pk}),
        reverse("consent:export_json", kwargs={"pk": participant.pk}),
    ]


def test_an_assignment_outside_the_users_organisation_gives_no_access(
    participant, alice, district, client_as
):
    # However the move happened, the assignment left behind is not honoured.
    User.objects.filter(pk=alice.pk).update(organisation=district)
    alice.refresh_from_db()
    assert ParticipantUserObjectPermission.objects.filter(user=alice).exists()

    with pytest.raises(Http404):
        access_participant(alice, participant.pk)
    assert not participants_for(alice).exists()
    assert not can_change(alice, participant)
    client = client_as("alice")
    for url in _case_urls(participant):
        assert client.get(url).status_code == 404, url
    contact = reverse("participants:contact_create", kwargs={"pk": participant.pk})
    response = client.post(contact, {"date": "2026-06-01", "kind": "phone", "duration_minutes": 5})
    assert response.status_code == 404
    assert not participant.contacts.exists()


def test_a_move_to_the_district_ends_assignments_and_sessions_and_tells_the_team_lead(
    participant, alice, tess, ada, district, client_as
):
    second_admin = UserFactory(
        email="adam@district.example", organisation=district, role="administrator"
    )
    browser = client_as("alice")
    assert browser.get(_case_urls(participant)[0]).status_code == 200

    change = services.staff_update(user=alice, actor=ada, organisation=district)
    assert isinstance(change, AccountChangeRequest)
    services.account_change_approve(change=change, actor=second_admin)

    alice.refresh_from_db()
    assert alice.organisation == district
    assert not ParticipantUserObjectPermission.objects.filter(user=alice).exists()
    assert browser.get(_case_urls(participant)[0])["Location"].startswith(LOGIN_URL)
    to_tess = [message for message in mail.outbox if message.to == [tess.email]]
    assert len(to_tess) == 1
    assert participant.reference in to_tess[0].body
    assert participant.display_name not in to_tess[0].body
    # Logged in again, in her new organisation: nothing of the old caseload.
    again = client_as("alice")
    for url in _case_urls(participant):
        assert again.get(url).status_code == 404, url


def test_a_role_change_ends_assignments_and_sessions_at_once(participant, alice, ada, client_as):
    browser = client_as("alice")
    assert browser.get(_case_urls(participant)[0]).status_code == 200

    # Towards no case access: immediate, no approval needed.
    assert services.staff_update(user=alice, actor=ada, role=Role.STEERING_GROUP) is None

    assert not ParticipantUserObjectPermission.objects.filter(user=alice).exists()
    assert browser.get(_case_urls(participant)[0])["Location"].startswith(LOGIN_URL)
