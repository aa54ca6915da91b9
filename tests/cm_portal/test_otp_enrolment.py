"""Second-factor enrolment: a fresh secret per attempt, bound to its session, and only in
the session of the e-mailed set-password link.

Spec line 34 (security.md).
"""

from __future__ import annotations

import base64
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cm_portal import services
from cm_portal.models import AccessEvent

from ..factories import UserFactory
from ..helpers import (
    OTP_ENROL_URL,
    OTP_VERIFY_URL,
    code_for_key,
    log_in_with_password,
    set_password_through_the_link,
)

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action


@pytest.fixture
def newcomer_without_device(hela_manniskan):
    return UserFactory(email="nina@hela.example", name="Nina Ny", organisation=hela_manniskan)


def _shown_key(response) -> bytes | None:
    match = re.search(r'id="totp-secret">([^<]*)<', response.content.decode())
    return base64.b32decode(re.sub(r"\s", "", match.group(1))) if match else None


def _through_the_link(user) -> Client:
    client = Client()
    set_password_through_the_link(client, user)
    return client


def _enrol_page_key(client: Client, user) -> bytes:
    """Log ``client`` in with the password and return the secret the enrolment page shows."""
    log_in_with_password(client, user.email)
    key = _shown_key(client.get(OTP_ENROL_URL))
    assert key is not None
    return key


def _enrolling_session(user) -> tuple[Client, bytes]:
    """A browser that came through the set-password link, logged in, on the enrolment page."""
    client = _through_the_link(user)
    return client, _enrol_page_key(client, user)


def test_a_password_alone_is_shown_no_secret_and_enrols_nothing(newcomer_without_device):
    nina = newcomer_without_device
    client = Client()
    log_in_with_password(client, nina.email)

    response = client.get(OTP_ENROL_URL)

    assert response.status_code == 200
    assert _shown_key(response) is None
    assert "<svg" not in response.content.decode()
    assert not TOTPDevice.objects.filter(user=nina).exists()
    assert reverse("accounts:password_reset") in response.content.decode()
    response = client.post(OTP_ENROL_URL, {"token": "123456"})
    assert not TOTPDevice.objects.filter(user=nina).exists()
    assert client.get("/")["Location"] == OTP_ENROL_URL


def test_each_session_gets_its_own_secret_and_only_the_newest_can_be_confirmed(
    newcomer_without_device,
):
    nina = newcomer_without_device
    # Two browsers each opened a set-password link (setting a password ends the sessions
    # that are logged in, so both open their links before logging in).
    first, second = _through_the_link(nina), _through_the_link(nina)
    first_key = _enrol_page_key(first, nina)
    second_key = _enrol_page_key(second, nina)

    assert first_key != second_key
    # The newer attempt removed the older one's device: its secret can never be confirmed.
    assert list(TOTPDevice.objects.filter(user=nina).values_list("confirmed", flat=True)) == [False]
    response = first.post(OTP_ENROL_URL, {"token": code_for_key(first_key)})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _shown_key(response) is None
    assert not TOTPDevice.objects.filter(user=nina, confirmed=True).exists()

    response = second.post(OTP_ENROL_URL, {"token": code_for_key(second_key)})
    assert response["Location"] == "/"
    (device,) = TOTPDevice.objects.filter(user=nina)
    assert device.confirmed
    assert device.bin_key == second_key

    # A code computed from the first session's copy opens nothing, now or later.
    attacker = Client()
    log_in_with_password(attacker, nina.email)
    response = attacker.post(OTP_VERIFY_URL, {"token": code_for_key(first_key, drift=1)})
    assert response.status_code == 200
    assert attacker.get("/")["Location"] == OTP_VERIFY_URL


def test_a_new_attempt_deletes_an_unconfirmed_device_left_behind(newcomer_without_device):
    nina = newcomer_without_device
    left_behind = TOTPDevice.objects.create(user=nina, name="TOTP", confirmed=False)

    _client, key = _enrolling_session(nina)

    assert not TOTPDevice.objects.filter(pk=left_behind.pk).exists()
    assert key != left_behind.bin_key


def _reset_and_approve(bob, ada, tess) -> None:
    """The second-factor reset of a case manager, approved by her team lead (security.md 30)."""
    change = services.staff_second_factor_reset(user=bob, actor=ada)
    services.account_change_approve(change=change, actor=tess)


def test_after_a_second_factor_reset_only_the_emailed_link_opens_enrolment(bob, ada, tess):
    _reset_and_approve(bob, ada, tess)
    mail.outbox.clear()  # the notice of the reset to bob's address (security.md 30)
    with_password_only = Client()
    log_in_with_password(with_password_only, bob.email)
    assert _shown_key(with_password_only.get(OTP_ENROL_URL)) is None

    # Bob asks for a link himself; it goes to his mailbox.
    browser = Client()
    browser.post(reverse("accounts:password_reset"), {"email": bob.email})
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/accounts/password/set/\S+/)", message.body).group(1)
    form_url = browser.get(path)["Location"]
    new_password = "ett-helt-nytt-losenord-for-bob"
    browser.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    log_in_with_password(browser, bob.email, new_password)

    key = _shown_key(browser.get(OTP_ENROL_URL))
    assert key is not None
    # The other session, which knows the password too, still sees no secret.
    assert _shown_key(with_password_only.get(OTP_ENROL_URL)) is None
    assert browser.post(OTP_ENROL_URL, {"token": code_for_key(key)})["Location"] == "/"
    assert AccessEvent.objects.filter(action=Action.OTP_ENROLLED, actor=bob).count() == 1


def test_the_link_of_one_account_lets_no_other_account_enrol(
    newcomer_without_device, bob, ada, tess
):
    _reset_and_approve(bob, ada, tess)
    mail.outbox.clear()  # the notice of the reset to bob's address (security.md 30)
    client = Client()
    set_password_through_the_link(client, newcomer_without_device)
    log_in_with_password(client, bob.email)

    assert _shown_key(client.get(OTP_ENROL_URL)) is None
    assert not TOTPDevice.objects.filter(user=bob).exists()
