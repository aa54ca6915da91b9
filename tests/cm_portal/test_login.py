"""Login with password and TOTP, enrolment, lockout, session lifetime, logout, password reset.

Spec lines 7-11 (security.md): two factors before anything, throttled and logged failures,
password rules, session rotation and expiry, no open redirect.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cm_portal.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from cm_portal.models import AccessEvent, Role, StaffSession

from ..factories import PASSWORD, UserFactory
from ..helpers import (
    LOGIN_URL,
    OTP_ENROL_URL,
    OTP_VERIFY_URL,
    code_for,
    dummy_path,
    log_in_with_password,
    named_urls,
    session_user_id,
    set_password_through_the_link,
)

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# Where "/" sends case workers: any page a logged-in case manager may open would do.
CASE_WORKER_START = "/plans/dashboard/"

# The only pages a person may reach between the password and the second factor.
REACHABLE_BEFORE_SECOND_FACTOR = {
    "accounts:login",
    "accounts:logout",
    "accounts:otp_verify",
    "accounts:otp_enrol",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "set_language",
    "oidc:callback",  # the identity provider's answer, before any login
    "oidc:logged_out",  # after logout: the offer to log out at the provider too
    "plans:self_rating_fill",  # the participant's single-use self-rating link
    # The personal calendar feed: calendar programs fetch it without a session, so its
    # secret link is the key (a wrong, revoked or replaced one answers 404).
    "plans:calendar_feed",
}


def _guarded_urls():
    return [
        url
        for url in named_urls()
        if not getattr(url.pattern.callback, "allow_without_second_factor", False)
    ]


def _hidden_next(response) -> str:
    match = re.search(r'name="next" value="([^"]*)"', response.content.decode())
    assert match, "no hidden next field"
    return match.group(1)


def _wrong_code(device) -> str:
    """Six digits that are not the current code (nor, with tolerance 1, a neighbour's)."""
    right = {code_for(device, drift=drift) for drift in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)


def _events(action: str):
    return AccessEvent.objects.filter(action=action).order_by("id")


@pytest.fixture
def newcomer(hela_manniskan):
    """A staff member who has a password but has never set up the second factor."""
    return UserFactory(email="nina@hela.example", name="Nina Ny", organisation=hela_manniskan)


# --- Password, then TOTP ----------------------------------------------------------------


def test_password_then_totp_code(ada):
    client = Client()
    response = log_in_with_password(client, ada.email)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert session_user_id(client) == str(ada.pk)

    # The password alone opens nothing.
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == OTP_VERIFY_URL

    device = ada.totpdevice_set.get()
    response = client.post(OTP_VERIFY_URL, {"token": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert _events(Action.OTP_VERIFIED).get().actor == ada


def test_a_code_with_spaces_is_accepted(ada):
    client = Client()
    log_in_with_password(client, ada.email)
    code = code_for(ada.totpdevice_set.get())
    response = client.post(OTP_VERIFY_URL, {"token": f"{code[:3]} {code[3:]}"})
    assert response["Location"] == "/"


def test_wrong_password_is_refused_and_logged(alice):
    client = Client()
    response = log_in_with_password(client, alice.email, "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert session_user_id(client) is None
    event = _events(Action.LOGIN_FAILED).get()
    assert event.actor == alice
    assert event.ip_address == "127.0.0.1"


def test_every_guarded_page_sends_an_unverified_session_to_the_code(ada):
    client = Client()
    log_in_with_password(client, ada.email)
    guarded = _guarded_urls()
    assert {url.name for url in guarded} >= {"home", "staff:list", "staff:deactivate"}
    for url in guarded:
        path = dummy_path(url)
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 302, (url.name, method)
            assert response["Location"].startswith(OTP_VERIFY_URL), url.name


def test_only_the_login_pages_are_open_before_the_second_factor():
    open_urls = {url.name for url in named_urls()} - {url.name for url in _guarded_urls()}
    assert open_urls == REACHABLE_BEFORE_SECOND_FACTOR


def test_wrong_code_is_refused_and_logged(ada):
    client = Client()
    log_in_with_password(client, ada.email)
    device = ada.totpdevice_set.get()
    wrong = _wrong_code(device)

    response = client.post(OTP_VERIFY_URL, {"token": wrong})

    assert response.status_code == 200
    assert response.context["form"].has_error("token")
    event = _events(Action.OTP_FAILED).get()
    assert event.actor == ada
    assert client.get("/")["Location"] == OTP_VERIFY_URL


def test_codes_are_throttled_after_a_wrong_one(ada):
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        log_in_with_password(client, ada.email)
        device = ada.totpdevice_set.get()
        client.post(OTP_VERIFY_URL, {"token": _wrong_code(device)})

        # Straight after a wrong code even the right one is refused, and logged.
        response = client.post(OTP_VERIFY_URL, {"token": code_for(device)})
        assert response.status_code == 200
        assert _events(Action.OTP_FAILED).count() == 2

        traveller.shift(timedelta(seconds=2))
        response = client.post(OTP_VERIFY_URL, {"token": code_for(device)})
        assert response["Location"] == "/"


def test_a_used_code_cannot_be_used_again(ada):
    device = ada.totpdevice_set.get()
    first = Client()
    log_in_with_password(first, ada.email)
    code = code_for(device)
    assert first.post(OTP_VERIFY_URL, {"token": code})["Location"] == "/"

    second = Client()
    log_in_with_password(second, ada.email)
    response = second.post(OTP_VERIFY_URL, {"token": code})
    assert response.status_code == 200
    assert second.get("/")["Location"] == OTP_VERIFY_URL


# --- Enrolment --------------------------------------------------------------------------


def test_without_a_device_every_page_leads_to_enrolment(newcomer):
    client = Client()
    assert log_in_with_password(client, newcomer.email)["Location"] == "/"
    for url in _guarded_urls():
        response = client.get(dummy_path(url))
        assert response.status_code == 302, url.name
        assert response["Location"].startswith(OTP_ENROL_URL), url.name
    # The verification step has nothing to verify yet.
    assert client.get(OTP_VERIFY_URL)["Location"] == reverse("accounts:otp_enrol")


def test_enrolment_shows_a_qr_code_and_the_secret_and_a_code_confirms(newcomer):
    client = Client()
    set_password_through_the_link(client, newcomer)
    log_in_with_password(client, newcomer.email)

    response = client.get(OTP_ENROL_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=newcomer)
    assert not device.confirmed
    shown = re.search(r'id="totp-secret">([^<]*)<', html).group(1)
    assert base64.b32decode(re.sub(r"\s", "", shown)) == device.bin_key
    # The page reloads with the same device: the QR code scanned first stays valid.
    client.get(OTP_ENROL_URL)
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1

    response = client.post(OTP_ENROL_URL, {"token": code_for(device)})

    assert response.status_code == 302
    assert response["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/")["Location"] == CASE_WORKER_START  # a case manager: no more setup
    assert _events(Action.OTP_ENROLLED).get().actor == newcomer


def test_enrolment_refuses_a_wrong_code(newcomer):
    client = Client()
    set_password_through_the_link(client, newcomer)
    log_in_with_password(client, newcomer.email)
    client.get(OTP_ENROL_URL)
    device = TOTPDevice.objects.get(user=newcomer)
    wrong = _wrong_code(device)

    response = client.post(OTP_ENROL_URL, {"token": wrong})

    assert response.status_code == 200
    assert response.context["form"].has_error("token")
    device.refresh_from_db()
    assert not device.confirmed
    assert _events(Action.OTP_FAILED).get().actor == newcomer
    assert client.get("/")["Location"] == OTP_ENROL_URL


def test_with_a_device_the_enrolment_page_is_closed(ada):
    client = Client()
    log_in_with_password(client, ada.email)
    assert client.get(OTP_ENROL_URL)["Location"] == reverse("accounts:otp_verify")
    # No second, unconfirmed device for an attacker who knows only the password.
    assert TOTPDevice.objects.filter(user=ada).count() == 1


# --- Session keys and redirects ---------------------------------------------------------


def test_session_key_rotates_at_login_and_after_the_second_factor(ada):
    client = Client()
    before = client.session
    before["language_hint"] = "sv"
    before.save()
    key_before = before.session_key

    log_in_with_password(client, ada.email)
    key_password = client.cookies["sessionid"].value
    assert key_password != key_before
    assert not Session.objects.filter(session_key=key_before).exists()

    client.post(OTP_VERIFY_URL, {"token": code_for(ada.totpdevice_set.get())})
    key_verified = client.cookies["sessionid"].value
    assert key_verified != key_password
    assert not Session.objects.filter(session_key=key_password).exists()
    # The server-side record follows the key, so deactivation can still end this session.
    assert StaffSession.objects.get(user=ada).session_key == key_verified


@pytest.mark.parametrize(
    "evil", ["//evil.example", "https://evil.example", "https://evil.example/accounts/login/"]
)
def test_a_foreign_next_goes_to_the_start_page(ada, evil):
    client = Client()
    response = client.get(LOGIN_URL, {"next": evil})
    assert _hidden_next(response) == ""

    response = log_in_with_password(client, ada.email, next_url=evil)
    assert response["Location"] == "/"

    response = client.get(OTP_VERIFY_URL, {"next": evil})
    assert _hidden_next(response) == "/"
    response = client.post(
        OTP_VERIFY_URL, {"token": code_for(ada.totpdevice_set.get()), "next": evil}
    )
    assert response["Location"] == "/"


def test_a_local_next_is_kept_through_both_steps(ada):
    target = reverse("staff:list") + "?role=team_lead"
    client = Client()
    response = client.get(LOGIN_URL, {"next": target})
    assert _hidden_next(response) == target.replace("&", "&amp;")

    response = log_in_with_password(client, ada.email, next_url=target)
    assert response["Location"] == target

    response = client.get(target)
    assert response.status_code == 302
    step_two = response["Location"]
    assert step_two.startswith(OTP_VERIFY_URL + "?next=")
    response = client.get(step_two)
    next_url = _hidden_next(response)
    assert next_url == target

    response = client.post(
        OTP_VERIFY_URL, {"token": code_for(ada.totpdevice_set.get()), "next": next_url}
    )
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_a_local_next_is_kept_through_enrolment(newcomer):
    client = Client()
    set_password_through_the_link(client, newcomer)
    log_in_with_password(client, newcomer.email, next_url="/?tab=mine")
    response = client.get("/?tab=mine")
    assert response["Location"].startswith(OTP_ENROL_URL + "?next=")
    response = client.get(response["Location"])
    device = TOTPDevice.objects.get(user=newcomer)
    response = client.post(
        OTP_ENROL_URL, {"token": code_for(device), "next": _hidden_next(response)}
    )
    assert response["Location"] == "/?tab=mine"


# --- Lockout ----------------------------------------------------------------------------


def test_five_failed_passwords_lock_the_login(alice):
    client = Client()
    for _attempt in range(4):
        response = log_in_with_password(client, alice.email, "wrong-password")
        assert response.status_code == 200

    response = log_in_with_password(client, alice.email, "wrong-password")

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert session_user_id(client) is None
    # Every attempt is in the access log, with the account and the address.
    failed = _events(Action.LOGIN_FAILED)
    assert failed.count() == 5
    assert {(e.actor_id, e.ip_address) for e in failed} == {(alice.pk, "127.0.0.1")}
    assert _events(Action.LOCKED_OUT).exists()

    # Further attempts stay locked and are logged too.
    assert log_in_with_password(client, alice.email, "wrong-again").status_code == 429
    assert _events(Action.LOGIN_FAILED).count() == 6


def test_a_locked_login_refuses_even_the_right_password(alice):
    client = Client()
    for _attempt in range(5):
        log_in_with_password(client, alice.email, "wrong-password")

    response = log_in_with_password(client, alice.email)

    assert response.status_code == 429
    assert session_user_id(client) is None
    assert _events(Action.LOCKED_OUT).last().actor == alice


def test_a_failed_login_for_an_unknown_address_stores_no_user_name(db):
    typed = "Hunter2-secret@oops.example"
    response = log_in_with_password(Client(), typed, "whatever-was-typed")

    assert response.status_code == 200
    event = _events(Action.LOGIN_FAILED).get()
    assert event.actor is None
    assert event.actor_email == ""
    row = AccessEvent.objects.filter(pk=event.pk).values().get()
    assert not any(typed.lower() in str(value).lower() for value in row.values())


# --- Session lifetime -------------------------------------------------------------------


def test_sessions_end_after_30_minutes_idle(persona_client):
    with time_machine.travel(START, tick=False) as traveller:
        client = persona_client("alice")
        key = client.cookies["sessionid"].value
        for _step in range(3):  # activity keeps it alive well past 30 minutes in all
            traveller.shift(timedelta(minutes=29))
            assert client.get(CASE_WORKER_START).status_code == 200

        traveller.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)
        assert not Session.objects.filter(session_key=key).exists()
        assert _events(Action.SESSION_EXPIRED).get().actor_email == "alice@hela.example"
        # The login page says why.
        login_page = client.get(response["Location"])
        assert len(list(login_page.context["messages"])) == 1
        assert client.get("/")["Location"].startswith(LOGIN_URL)


def test_sessions_end_after_10_hours_however_busy(persona_client):
    with time_machine.travel(START, tick=False) as traveller:
        client = persona_client("alice")
        session = client.session
        assert session[SESSION_STARTED_KEY] == session[SESSION_SEEN_KEY] == START.timestamp()
        for _step in range(20):  # 20 x 29 min = 9 h 40 min
            traveller.shift(timedelta(minutes=29))
            assert client.get(CASE_WORKER_START).status_code == 200

        traveller.shift(timedelta(minutes=29))  # 10 h 9 min
        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN_URL)
        assert _events(Action.SESSION_EXPIRED).count() == 1


# --- Logout -----------------------------------------------------------------------------


def test_logout_is_post_only(persona_client):
    client = persona_client("alice")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(CASE_WORKER_START).status_code == 200


def test_logout_ends_the_session_on_the_server(persona_client, alice):
    client = persona_client("alice")
    key = client.cookies["sessionid"].value
    assert StaffSession.objects.filter(session_key=key).exists()

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert not Session.objects.filter(session_key=key).exists()
    assert not StaffSession.objects.filter(user=alice).exists()
    assert _events(Action.LOGOUT).get().actor == alice
    # The old cookie, replayed, opens nothing.
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/")["Location"].startswith(LOGIN_URL)


# --- Password reset ---------------------------------------------------------------------


def _reset_link(message) -> str:
    # Links are built from SITE_URL (the test settings keep the development default).
    match = re.search(r"http://localhost:8000(/accounts/password/set/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_sets_a_password_but_the_code_is_still_needed(alice, persona_client):
    logged_in_elsewhere = persona_client("alice")
    client = Client()
    response = client.post(reverse("accounts:password_reset"), {"email": "ALICE@hela.example"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]

    response = client.get(_reset_link(mail.outbox[0]))
    assert response.status_code == 302
    form_url = response["Location"]
    assert client.get(form_url).context["validlink"]
    new_password = "ett-nytt-och-langt-losenord-2026"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert session_user_id(client) is None
    assert client.get("/")["Location"].startswith(LOGIN_URL)
    alice.refresh_from_db()
    assert alice.check_password(new_password)
    assert _events(Action.PASSWORD_SET).get().actor == alice
    # Sessions from before the reset are over.
    assert logged_in_elsewhere.get("/")["Location"].startswith(LOGIN_URL)

    # The new password is only the first step; the code is still asked for.
    assert log_in_with_password(client, alice.email, new_password)["Location"] == "/"
    assert client.get("/")["Location"] == OTP_VERIFY_URL
    # And the link is used up.
    assert not client.get(form_url).context["validlink"]


def test_password_reset_refuses_a_short_password(alice):
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": alice.email})
    form_url = client.get(_reset_link(mail.outbox[0]))["Location"]

    response = client.post(form_url, {"new_password1": "kort", "new_password2": "kort"})

    assert response.status_code == 200
    assert response.context["form"].has_error("new_password2", "password_too_short")
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing_and_tells_nothing(db):
    response = Client().post(reverse("accounts:password_reset"), {"email": "vem@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


PASSPHRASE_64 = "tranorna dansar vid hornborgasjön när isen släpper i april, ja!!"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("kort-ord", "password_too_short"),
        ("password1234", "password_too_common"),
        ("qwertyuiop12", "password_too_common"),
        ("197001011234", "password_entirely_numeric"),
        ("nina.ny@hela.example", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(newcomer, password, code):
    with pytest.raises(ValidationError) as error:
        validate_password(password, newcomer)
    assert code in [item.code for item in error.value.error_list]


def test_a_64_character_passphrase_is_accepted(newcomer):
    assert len(PASSPHRASE_64) == 64
    validate_password(PASSPHRASE_64, newcomer)  # raises if refused
    newcomer.set_password(PASSPHRASE_64)
    newcomer.save()
    assert log_in_with_password(Client(), newcomer.email, PASSPHRASE_64).status_code == 302


def test_the_role_does_not_matter_for_the_second_factor(hela_manniskan):
    steering = UserFactory(role=Role.STEERING_GROUP, organisation=hela_manniskan)
    client = Client()
    log_in_with_password(client, steering.email)
    assert client.get("/")["Location"] == OTP_ENROL_URL
