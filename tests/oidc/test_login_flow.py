"""Staff log in through their organisation's identity provider: a real OpenID Connect
provider (django-oauth-toolkit) on 127.0.0.1, with its own RSA key and signed tokens.

The portal is driven with Django's test client; the provider's login page with HTTP
requests; the portal itself talks to the provider's token and JWKS endpoints over HTTP.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from cm_portal.models import AccessEvent, StaffSession

from ..helpers import (
    OTP_ENROL_URL,
    OTP_VERIFY_URL,
    code_for,
    log_in_with_password,
    session_user_id,
)
from .provider import CLIENT_ID

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
CASE_WORKER_START = "/plans/dashboard/"


def _start(client: Client, email: str, next_url: str | None = None):
    """The portal's login page with the e-mail only; returns the redirect to the provider."""
    data = {"username": email, "password": ""}
    if next_url:
        data["next"] = next_url
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302, response.status_code
    return response["Location"]


def _login(client: Client, provider, email: str, provider_user: str):
    """The whole journey: portal login page → provider login → portal callback."""
    back = provider.log_in(_start(client, email), provider_user)
    assert back.startswith("http://testserver/accounts/oidc/callback/"), back
    return client.get(back.removeprefix("http://testserver")), back


def _refusals() -> list[str]:
    return list(
        AccessEvent.objects.filter(action=Action.LOGIN_FAILED)
        .order_by("id")
        .values_list("detail", flat=True)
    )


def test_the_login_page_sends_the_address_to_the_provider_with_state_nonce_and_pkce(
    client, district_idp
):
    location = _start(client, "Charlie@District.Example")
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{district_idp.issuer}/authorize/")
    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]
    assert "openid" in query["scope"][0].split()
    assert session_user_id(client) is None


def test_a_good_login_with_mfa_asserted_skips_the_totp_step(
    client, oidc_provider, district_idp, charlie
):
    response, _back = _login(client, oidc_provider, charlie.email, "charlie.mfa")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert session_user_id(client) == str(charlie.pk)
    # Verified: case pages open without the portal's code.
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == CASE_WORKER_START
    assert client.get(CASE_WORKER_START).status_code == 200
    assert StaffSession.objects.filter(user=charlie).count() == 1
    login, verified = AccessEvent.objects.filter(
        action__in=[Action.LOGIN, Action.OTP_VERIFIED]
    ).order_by("id")
    assert (login.action, login.actor) == (Action.LOGIN, charlie)
    assert (verified.action, verified.detail) == (Action.OTP_VERIFIED, "identity provider")


def test_a_good_login_without_mfa_still_asks_for_the_totp_code(
    client, oidc_provider, district_idp, charlie
):
    response, _back = _login(client, oidc_provider, charlie.email, "charlie")

    assert response.status_code == 302
    assert session_user_id(client) == str(charlie.pk)
    # Logged in, but not verified: every case page sends to the code first.
    response = client.get(CASE_WORKER_START)
    assert response.status_code == 302
    assert response["Location"].startswith(OTP_VERIFY_URL)
    response = client.post(OTP_VERIFY_URL, {"token": code_for(charlie.totpdevice_set.get())})
    assert response.status_code == 302
    assert client.get(CASE_WORKER_START).status_code == 200


def test_a_provider_login_without_mfa_may_enrol_a_first_totp_device(
    client, oidc_provider, district_idp, charlie
):
    """Without the e-mailed link a password alone is shown no secret (security.md 34); the
    provider's login proves the person, so its session may enrol the portal's code."""
    charlie.totpdevice_set.all().delete()
    _login(client, oidc_provider, charlie.email, "charlie")

    response = client.get(OTP_ENROL_URL)

    assert response.status_code == 200
    assert 'id="totp-secret"' in response.content.decode()


def test_mfa_is_not_skipped_when_the_organisation_does_not_accept_the_assertion(
    client, oidc_provider, district_idp, charlie
):
    district_idp.accept_amr_mfa = False
    district_idp.save(update_fields=["accept_amr_mfa"])

    _login(client, oidc_provider, charlie.email, "charlie.mfa")

    assert session_user_id(client) == str(charlie.pk)
    response = client.get(CASE_WORKER_START)
    assert response["Location"].startswith(OTP_VERIFY_URL)


def test_an_acr_value_the_administrator_named_counts_as_mfa(
    client, oidc_provider, district_idp, charlie
):
    district_idp.accept_amr_mfa = False
    district_idp.save(update_fields=["accept_amr_mfa"])

    _login(client, oidc_provider, charlie.email, "charlie.loa3")

    assert client.get(CASE_WORKER_START).status_code == 200


def test_the_email_is_matched_without_regard_to_case(client, oidc_provider, district_idp, charlie):
    _login(client, oidc_provider, charlie.email, "shouty.mfa")
    assert session_user_id(client) == str(charlie.pk)


@pytest.mark.parametrize(
    ("provider_user", "reason"),
    [
        ("charlie.aud", "id token audience"),
        ("charlie.iss", "id token issuer"),
        ("charlie.expired", "id token expired"),
        ("charlie.badsig", "id token signature"),
        ("charlie.nononce", "id token: JWT Nonce verification failed."),
        ("nobody.mfa", "no account"),
        ("alice.mfa", "account of another organisation"),
    ],
)
def test_a_refused_answer_logs_nobody_in(
    client, oidc_provider, district_idp, charlie, alice, provider_user, reason
):
    response, _back = _login(client, oidc_provider, charlie.email, provider_user)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert session_user_id(client) is None
    assert _refusals() == [f"oidc district: {reason}"]
    assert not StaffSession.objects.exists()


def test_a_deactivated_account_is_refused(client, oidc_provider, district_idp):
    from ..factories import UserFactory

    UserFactory(
        email="gone@district.example", organisation=district_idp.organisation, is_active=False
    )

    _login(client, oidc_provider, "gone@district.example", "gone.mfa")

    assert session_user_id(client) is None
    assert _refusals() == ["oidc district: account deactivated"]


def test_a_replayed_state_is_refused(client, oidc_provider, district_idp, charlie):
    back = oidc_provider.log_in(_start(client, charlie.email), "charlie.mfa")
    path = back.removeprefix("http://testserver")
    # The state is used up by its first answer, even one the portal refused...
    client.get(path.replace("code=", "code=not-the-code-"))
    # ...so the provider's genuine answer, sent again with it, is refused too.
    response = client.get(path)

    assert response["Location"] == "/accounts/login/"
    assert session_user_id(client) is None
    assert _refusals() == [
        "oidc district: provider error or unreachable",
        "oidc -: state unknown or already used",
    ]


def test_a_state_from_another_browser_is_refused(client, oidc_provider, district_idp, charlie):
    back = oidc_provider.log_in(_start(Client(), charlie.email), "charlie.mfa")

    client.get(back.removeprefix("http://testserver"))

    assert session_user_id(client) is None
    assert _refusals() == ["oidc -: state unknown or already used"]


def test_the_password_of_an_organisation_with_a_provider_is_refused(district_idp, charlie):
    client = Client()
    response = log_in_with_password(client, charlie.email)
    # The address goes to the provider; the password form never sees it.
    assert response["Location"].startswith(district_idp.issuer)
    assert session_user_id(client) is None


def test_the_session_key_rotates_at_a_provider_login(client, oidc_provider, district_idp, charlie):
    location = _start(client, charlie.email)
    before = client.session.session_key
    back = oidc_provider.log_in(location, "charlie.mfa")

    client.get(back.removeprefix("http://testserver"))

    assert session_user_id(client) == str(charlie.pk)
    assert client.session.session_key != before
    assert StaffSession.objects.get(user=charlie).session_key == client.session.session_key


@pytest.mark.parametrize("next_url", ["//evil.example/", "https://evil.example/x"])
def test_a_foreign_next_leads_to_the_start_page(
    client, oidc_provider, district_idp, charlie, next_url
):
    back = oidc_provider.log_in(_start(client, charlie.email, next_url), "charlie.mfa")
    response = client.get(back.removeprefix("http://testserver"))
    assert response["Location"] == "/"


def test_a_local_next_is_followed(client, oidc_provider, district_idp, charlie):
    back = oidc_provider.log_in(_start(client, charlie.email, "/participants/"), "charlie.mfa")
    response = client.get(back.removeprefix("http://testserver"))
    assert response["Location"] == "/participants/"


def test_a_provider_that_cannot_be_reached_gives_a_message_not_an_error(client, district_idp):
    district_idp.issuer = "http://127.0.0.1:9"  # discard port: nothing listens
    district_idp.save(update_fields=["issuer"])

    response = client.post("/accounts/login/", {"username": "charlie@district.example"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/")
    assert "inloggningstjänst går inte att nå" in page.content.decode()
