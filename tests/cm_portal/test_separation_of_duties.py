"""Separation of duties (security.md 30): an administrator cannot give anyone case access alone."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cm_portal.models import AccessEvent, AccountChangeRequest, Role, User

from ..conftest import verified_client
from ..factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
ENGLISH = {"accept-language": "en"}


@pytest.fixture
def admin_client(persona_client):
    return persona_client("ada")


@pytest.fixture
def second_admin(district):
    admin = UserFactory(email="adam@district.example", organisation=district, role="administrator")
    TOTPDeviceFactory(user=admin)
    return admin


def _edit(client, member, **values):
    data = {
        "name": member.name,
        "email": member.email,
        "organisation": member.organisation_id,
        "role": member.role,
    }
    data.update(values)
    return client.post(reverse("staff:edit", kwargs={"pk": member.pk}), data, headers=ENGLISH)


def test_an_administrator_cannot_change_their_own_role_or_organisation(
    admin_client, ada, hela_manniskan
):
    for values in ({"role": Role.TEAM_LEAD}, {"organisation": hela_manniskan.pk}):
        response = _edit(admin_client, ada, **values)
        assert response.status_code == 200
        assert "You cannot change your own role or organisation." in response.content.decode()
    ada.refresh_from_db()
    assert (ada.role, ada.organisation.slug) == (Role.ADMINISTRATOR, "district")
    assert not AccountChangeRequest.objects.exists()


def test_a_new_team_lead_cannot_log_in_before_a_team_lead_approves(
    admin_client, ada, tess, hela_manniskan
):
    response = admin_client.post(
        reverse("staff:create"),
        {
            "name": "Mallory",
            "email": "mallory@ada-controls.example",
            "organisation": hela_manniskan.pk,
            "role": Role.TEAM_LEAD,
            "send_link": "on",
        },
    )
    assert response.status_code == 302
    mallory = User.objects.get(email="mallory@ada-controls.example")
    assert not mallory.is_active
    assert mail.outbox == []
    # Nor can the administrator reactivate her way round the approval.
    admin_client.post(reverse("staff:reactivate", kwargs={"pk": mallory.pk}))
    mallory.refresh_from_db()
    assert not mallory.is_active

    # The administrators see what waits, and whom it waits for.
    listed = admin_client.get(reverse("staff:list")).context["pending"]
    assert [change.target for change in listed] == [mallory]

    tess_client = verified_client(tess)
    change = AccountChangeRequest.objects.get(target=mallory)
    start = tess_client.get(reverse("home"), follow=True).content.decode()
    assert reverse("approvals:approve", kwargs={"pk": change.pk}) in start
    confirm = tess_client.get(
        reverse("approvals:approve", kwargs={"pk": change.pk}), headers=ENGLISH
    )
    assert "can log in" in confirm.content.decode()
    assert (
        tess_client.post(reverse("approvals:approve", kwargs={"pk": change.pk})).status_code == 302
    )

    mallory.refresh_from_db()
    assert mallory.is_active
    assert [message.to for message in mail.outbox] == [[mallory.email]]
    actions = set(
        AccessEvent.objects.filter(object_type="account_change_request").values_list(
            "action", "actor"
        )
    )
    assert actions == {(Action.CHANGE_REQUESTED, ada.pk), (Action.CHANGE_APPROVED, tess.pk)}


def test_an_e_mail_change_link_and_reset_wait_and_the_old_address_is_told(
    admin_client, ada, tess, second_admin
):
    old = tess.email
    _edit(admin_client, tess, email="tess@ada-controls.example")
    admin_client.post(reverse("staff:password_link", kwargs={"pk": tess.pk}))
    admin_client.post(reverse("staff:reset_second_factor", kwargs={"pk": tess.pk}))

    tess.refresh_from_db()
    assert tess.email == old
    assert TOTPDevice.objects.filter(user=tess).exists()
    assert all(message.to == [old] for message in mail.outbox)
    assert len(mail.outbox) == 3
    assert not any("password/set" in message.body for message in mail.outbox)

    # Tess is the only team lead of her organisation and never decides about herself:
    # a second administrator does; the one who asked cannot.
    change = AccountChangeRequest.objects.get(target=tess, kind="update")
    url = reverse("approvals:approve", kwargs={"pk": change.pk})
    assert verified_client(tess).post(url).status_code == 404
    assert admin_client.post(url).status_code == 404
    mail.outbox = []
    assert verified_client(second_admin).post(url).status_code == 302

    tess.refresh_from_db()
    assert tess.email == "tess@ada-controls.example"
    assert [message.to for message in mail.outbox] == [[old]]


def test_a_refused_change_has_no_effect(admin_client, ada, bob, tess, district):
    _edit(admin_client, bob, role=Role.TEAM_LEAD)
    bob.refresh_from_db()
    assert bob.role == Role.CASE_MANAGER
    change = AccountChangeRequest.objects.get(target=bob)
    client = verified_client(tess)
    assert client.post(reverse("approvals:refuse", kwargs={"pk": change.pk})).status_code == 302

    bob.refresh_from_db()
    change.refresh_from_db()
    assert (bob.role, change.status, change.decided_by) == (Role.CASE_MANAGER, "refused", tess)
    assert AccessEvent.objects.filter(action=Action.CHANGE_REFUSED, actor=tess).exists()
    # The administrator sees the status on the staff page.
    page = admin_client.get(reverse("staff:edit", kwargs={"pk": bob.pk}), headers=ENGLISH)
    assert "Refused" in page.content.decode()
    # A decided request cannot be decided again.
    assert client.post(reverse("approvals:approve", kwargs={"pk": change.pk})).status_code == 404


def test_a_deactivated_account_stays_off_whatever_was_waiting_for_approval(
    admin_client, ada, tess, hela_manniskan
):
    admin_client.post(
        reverse("staff:create"),
        {
            "name": "Nova",
            "email": "nova@hela.example",
            "organisation": hela_manniskan.pk,
            "role": Role.CASE_MANAGER,
        },
    )
    nova = User.objects.get(email="nova@hela.example")
    change = AccountChangeRequest.objects.get(target=nova)
    admin_client.post(reverse("staff:deactivate", kwargs={"pk": nova.pk}), {"confirmed": "yes"})

    client = verified_client(tess)
    assert client.post(reverse("approvals:approve", kwargs={"pk": change.pk})).status_code == 404
    nova.refresh_from_db()
    change.refresh_from_db()
    assert (nova.is_active, change.status, change.decided_by) == (False, "refused", ada)


def test_changes_without_case_access_stay_immediate(admin_client, steve, bob):
    _edit(admin_client, steve, email="steve.new@district.example", name="Steve S")
    _edit(admin_client, bob, name="Bob B")
    steve.refresh_from_db()
    bob.refresh_from_db()
    assert (steve.email, steve.name, bob.name) == ("steve.new@district.example", "Steve S", "Bob B")
    assert not AccountChangeRequest.objects.exists()
