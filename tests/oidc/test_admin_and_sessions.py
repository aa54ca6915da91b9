"""The administrator's settings, and what holds for an OIDC session as for a password one:
session limits, deactivation ending sessions, logout (with the provider's end-session)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from cm_portal.models import AccessEvent, StaffSession
from cm_portal.oidc import secret_box
from cm_portal.oidc.models import IdentityProvider
from cm_portal.services import staff_deactivate

from ..conftest import verified_client
from ..helpers import session_user_id
from .provider import CLIENT_ID
from .test_login_flow import CASE_WORKER_START, _login

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
EDIT_URL = "/administration/identity-providers/district/"


def _form(**values) -> dict:
    data = {
        "enabled": "on",
        "issuer": "https://login.microsoftonline.com/tenant-id/v2.0/",
        "client_id": "portal-client",
        "client_secret": "the-first-secret",
        "email_claim": "email",
        "email_domains": "District.Example, stad.example",
        "accept_amr_mfa": "on",
        "accepted_acr_values": "",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_switches_an_organisation_to_its_provider(ada, district):
    client = verified_client(ada)

    response = client.post(EDIT_URL, _form())

    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organisation=district)
    assert provider.enabled
    assert provider.issuer == "https://login.microsoftonline.com/tenant-id/v2.0"
    assert provider.domains == ["district.example", "stad.example"]
    assert secret_box.decrypt(provider.client_secret_encrypted) == "the-first-secret"
    assert "the-first-secret" not in provider.client_secret_encrypted
    event = AccessEvent.objects.get(action=Action.CREATE, object_type="identityprovider")
    assert event.actor == ada
    assert "client_secret" in event.detail
    assert "the-first-secret" not in event.detail


def test_the_client_secret_is_never_shown_again_and_an_empty_field_keeps_it(ada, district):
    client = verified_client(ada)
    client.post(EDIT_URL, _form())

    page = client.get(EDIT_URL).content.decode()
    assert "the-first-secret" not in page
    assert 'name="client_secret"' in page
    client.post(EDIT_URL, _form(client_secret="", client_id="changed-client"))

    provider = IdentityProvider.objects.get(organisation=district)
    assert provider.client_id == "changed-client"
    assert secret_box.decrypt(provider.client_secret_encrypted) == "the-first-secret"


def test_a_new_provider_needs_a_secret_and_a_domain_belongs_to_one_provider(
    ada, district, hela_manniskan
):
    client = verified_client(ada)
    response = client.post(EDIT_URL, _form(client_secret=""))
    assert response.status_code == 200
    assert "client_secret" in response.context["form"].errors
    client.post(EDIT_URL, _form())

    response = client.post(
        "/administration/identity-providers/hela-manniskan/", _form(email_domains="stad.example")
    )

    assert response.status_code == 200
    assert "email_domains" in response.context["form"].errors
    assert not IdentityProvider.objects.filter(organisation=hela_manniskan).exists()


def test_a_password_session_begun_before_the_switch_lasts(ada, district):
    client = verified_client(ada)
    client.post(EDIT_URL, _form())
    assert client.get(EDIT_URL).status_code == 200


def test_an_account_of_an_organisation_with_a_provider_cannot_log_in_with_its_password(
    district_idp, charlie
):
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from ..factories import PASSWORD

    def password_login():
        request = RequestFactory().post("/accounts/login/")
        return authenticate(request, username=charlie.email, password=PASSWORD)

    # Whatever address the form was given, the password itself is refused.
    assert password_login() is None
    district_idp.enabled = False
    district_idp.save(update_fields=["enabled"])
    assert password_login() == charlie


def test_organisations_without_a_provider_keep_password_and_totp(ada, alice, district):
    verified_client(ada).post(EDIT_URL, _form())
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": alice.email, "password": "a-long-test-passphrase-2026"}
    )

    assert response["Location"] == "/"
    assert session_user_id(client) == str(alice.pk)


def test_the_session_limits_hold_for_a_provider_login(oidc_provider, district_idp, charlie):
    client = Client()
    # The provider's tokens carry the real time, so the clock moves only afterwards.
    _login(client, oidc_provider, charlie.email, "charlie.mfa")
    assert client.get(CASE_WORKER_START).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        response = client.get(CASE_WORKER_START)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert session_user_id(client) is None
    assert AccessEvent.objects.filter(action=Action.SESSION_EXPIRED, actor=charlie).exists()


def test_deactivation_ends_a_provider_session(oidc_provider, district_idp, charlie, ada):
    client = Client()
    _login(client, oidc_provider, charlie.email, "charlie.mfa")
    assert StaffSession.objects.filter(user=charlie).exists()

    staff_deactivate(user=charlie, actor=ada)

    assert client.get(CASE_WORKER_START)["Location"].startswith("/accounts/login/")
    assert not StaffSession.objects.filter(user=charlie).exists()


def test_logout_ends_the_session_and_offers_the_providers_end_session(
    oidc_provider, district_idp, charlie
):
    client = Client()
    _login(client, oidc_provider, charlie.email, "charlie.mfa")

    response = client.post("/accounts/logout/")

    assert response["Location"] == "/accounts/logged-out/"
    assert session_user_id(client) is None
    assert AccessEvent.objects.filter(action=Action.LOGOUT, actor=charlie).exists()
    page = client.get("/accounts/logged-out/")
    link = page.context["end_session_url"]
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(f"{oidc_provider.issuer}/logout/")
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2
    # Shown once: the page is not a way to learn the token later.
    assert client.get("/accounts/logged-out/")["Location"] == "/accounts/login/"


def test_a_password_logout_is_unchanged(alice):
    client = verified_client(alice)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"


def test_the_break_glass_command_switches_back_to_passwords(district_idp):
    from django.core.management import call_command

    call_command("oidc_disable", "district")

    district_idp.refresh_from_db()
    assert not district_idp.enabled
    event = AccessEvent.objects.get(action=Action.CHANGE, object_type="identityprovider")
    assert event.detail == "enabled (manage.py)"


def test_administrators_find_the_page_in_the_navigation(ada, bob):
    labels = [item.url for item in verified_client(ada).get("/").context["nav_items"]]
    assert "/administration/identity-providers/" in labels
    labels = [
        item.url for item in verified_client(bob).get("/plans/dashboard/").context["nav_items"]
    ]
    assert "/administration/identity-providers/" not in labels
