"""Throttling counts an account whatever its spelling and an address whatever the account.

Spec line 31 (security.md): one e-mail address in any letter case is one account; password
spraying from one address and one account attacked from many addresses are both slowed.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from cm_portal.models import AccessEvent
from cm_portal.throttling import client_ip

from ..factories import PASSWORD, UserFactory
from ..helpers import LOGIN_URL, session_user_id

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action


WRONG = "wrong-password"


def _attempt(email: str, password: str = WRONG, *, address: str, **meta):
    client = Client()
    response = client.post(
        LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=address, **meta
    )
    return response, client


def test_letter_case_variants_of_one_address_are_one_account(alice):
    variants = [
        "Alice@hela.example",
        "ALICE@HELA.EXAMPLE",
        "alice@Hela.Example",
        " alice@hela.example",
        "aLiCe@hela.example",
    ]
    for number, variant in enumerate(variants):
        response, _client = _attempt(variant, address=f"198.51.100.{number + 1}")
        assert response.status_code in (200, 429)

    # Yet another spelling, the right password, a fresh address: still locked.
    response, client = _attempt("AlIcE@hela.example", PASSWORD, address="198.51.100.99")

    assert response.status_code == 429
    assert session_user_id(client) is None
    assert AccessEvent.objects.filter(action=Action.LOCKED_OUT, actor=alice).exists()


def test_one_account_attacked_from_many_addresses_is_locked(alice, bob):
    for number in range(5):
        _attempt(alice.email, address=f"203.0.113.{number + 10}")

    response, client = _attempt(alice.email, PASSWORD, address="203.0.113.200")
    assert response.status_code == 429
    assert session_user_id(client) is None

    # Only that account: a colleague logs in from one of the same addresses.
    response, client = _attempt(bob.email, PASSWORD, address="203.0.113.10")
    assert response.status_code == 302
    assert session_user_id(client) == str(bob.pk)


def test_password_spraying_from_one_address_is_locked(alice, hela_manniskan):
    accounts = [UserFactory(organisation=hela_manniskan) for _ in range(9)]
    statuses = []
    for account in accounts:
        for password in ("Sommar2026!", "Vinter2026!", "Password123!", "Välkommen1"):
            response, _client = _attempt(account.email, password, address="192.0.2.66")
            statuses.append(response.status_code)

    # 36 attempts over 9 accounts: after the fifth failure the address gets nothing more.
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}
    response, client = _attempt(alice.email, PASSWORD, address="192.0.2.66")
    assert response.status_code == 429
    assert session_user_id(client) is None
    # The accounts themselves are not locked for everyone else.
    response, client = _attempt(accounts[0].email, PASSWORD, address="192.0.2.1")
    assert response.status_code == 302


def test_a_login_of_ones_own_between_rounds_does_not_forgive_the_address(
    alice, bob, hela_manniskan
):
    targets = [UserFactory(organisation=hela_manniskan) for _ in range(5)]
    for target in targets[:4]:
        _attempt(target.email, address="192.0.2.77")

    # The sprayer logs in to an account of their own from the same address...
    response, _client = _attempt(bob.email, PASSWORD, address="192.0.2.77")
    assert response.status_code == 302

    # ...and the address's earlier failures still count.
    response, _client = _attempt(targets[4].email, address="192.0.2.77")
    assert response.status_code == 429
    response, _client = _attempt(alice.email, PASSWORD, address="192.0.2.77")
    assert response.status_code == 429


def test_behind_the_proxy_the_client_address_is_counted(settings, alice, bob, hela_manniskan):
    settings.PROXY_COUNT = 1
    proxy = {"address": "10.0.0.2"}
    accounts = [UserFactory(organisation=hela_manniskan) for _ in range(5)]
    for account in accounts:
        # What the client writes itself (the left part) is not believed.
        _attempt(account.email, **proxy, HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.88")

    response, _client = _attempt(
        alice.email, PASSWORD, **proxy, HTTP_X_FORWARDED_FOR="7.7.7.7, 192.0.2.88"
    )
    assert response.status_code == 429
    # Everyone else comes through the same proxy and is not locked out with the sprayer.
    response, client = _attempt(bob.email, PASSWORD, **proxy, HTTP_X_FORWARDED_FOR="192.0.2.5")
    assert response.status_code == 302
    assert session_user_id(client) == str(bob.pk)
    failed = AccessEvent.objects.filter(action=Action.LOGIN_FAILED)
    assert set(failed.values_list("ip_address", flat=True)) == {"192.0.2.88"}


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "10.0.0.2"),
        (1, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.1"}, "192.0.2.1"),
        (2, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.1, 10.0.0.9"}, "192.0.2.1"),
        (1, {}, "10.0.0.2"),  # a proxy that sends no header: its own address
    ],
)
def test_client_ip_takes_the_address_our_outermost_proxy_saw(settings, proxies, meta, expected):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **meta)
    assert client_ip(request) == expected
