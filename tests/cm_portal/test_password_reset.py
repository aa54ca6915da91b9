"""The public password reset: links from SITE_URL, limits, the log, and tokens that go void.

Spec line 35 (security.md): links are built from SITE_URL, rate-limited per account and
per address, logged, and void after deactivation or a change of e-mail, role or organisation.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from cm_portal import services
from cm_portal.models import AccessEvent, Role

from ..factories import UserFactory
from .test_headers_and_settings import IMPORT_PRODUCTION, _production_env, _python

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
RESET_URL = reverse("accounts:password_reset")
DONE_URL = reverse("accounts:password_reset_done")
SITE = "https://cm.example.se"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def _ask(email: str, *, address: str = "198.51.100.1", **extra):
    return Client().post(RESET_URL, {"email": email}, REMOTE_ADDR=address, **extra)


def _link_path(message) -> str:
    match = re.search(re.escape(SITE) + r"(/accounts/password/set/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def _link_is_valid(path: str) -> bool:
    client = Client()
    response = client.get(path)
    if response.status_code == 302:
        response = client.get(response["Location"])
    return bool(response.context["validlink"])


def test_the_link_is_built_from_site_url_whatever_host_the_request_names(alice):
    response = _ask(alice.email, HTTP_HOST="localhost:9999")

    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    (message,) = mail.outbox
    assert "localhost:9999" not in message.body
    assert message.body.count(f"{SITE}/accounts/password/set/") == 1
    assert _link_is_valid(_link_path(message))


def test_at_most_three_emails_to_one_account_an_hour(alice):
    with time_machine.travel(START, tick=False) as traveller:
        answers = {
            _ask(alice.email.upper(), address=f"203.0.113.{n}")["Location"] for n in range(12)
        }

        assert answers == {DONE_URL}  # the same neutral page every time
        assert len(mail.outbox) == 3
        assert AccessEvent.objects.filter(action=Action.PASSWORD_RESET_REQUESTED).count() == 12
        sent = AccessEvent.objects.filter(action=Action.PASSWORD_LINK_SENT, object_id=alice.pk)
        assert sent.count() == 3

        traveller.shift(timedelta(hours=1, seconds=1))
        _ask(alice.email, address="203.0.113.50")
        assert len(mail.outbox) == 4


def test_requests_from_one_address_are_limited(hela_manniskan):
    accounts = [UserFactory(organisation=hela_manniskan) for _ in range(12)]
    with time_machine.travel(START, tick=False):
        answers = {_ask(account.email, address="192.0.2.44")["Location"] for account in accounts}
        # An unknown address from there counts too, and is answered alike.
        answers.add(_ask("vem@example.org", address="192.0.2.44")["Location"])

        assert answers == {DONE_URL}
        assert len(mail.outbox) == services.PASSWORD_RESET_REQUESTS_PER_ADDRESS
        # Another address is served as usual.
        _ask(accounts[-1].email, address="192.0.2.45")
        assert mail.outbox[-1].to == [accounts[-1].email]


def test_every_request_is_in_the_access_log_without_a_typed_address(alice):
    typed = "Nobody-Here@oops.example"
    _ask(alice.email, address="198.51.100.7")
    _ask(typed, address="198.51.100.8")

    known, unknown = AccessEvent.objects.filter(action=Action.PASSWORD_RESET_REQUESTED).order_by(
        "id"
    )
    assert (known.actor, known.object_type, known.object_id) == (alice, "user", str(alice.pk))
    assert known.ip_address == "198.51.100.7"
    assert unknown.actor is None
    assert unknown.ip_address == "198.51.100.8"
    row = AccessEvent.objects.filter(pk=unknown.pk).values().get()
    assert not any(typed.lower() in str(value).lower() for value in row.values())


def test_a_link_issued_before_deactivation_is_void_after_reactivation(alice, ada):
    _ask(alice.email)
    path = _link_path(mail.outbox[0])
    assert _link_is_valid(path)

    services.staff_deactivate(user=alice, actor=ada)
    assert not _link_is_valid(path)
    services.staff_reactivate(user=alice, actor=ada)

    assert not _link_is_valid(path)


def _change(user, admin, **values) -> None:
    """Change the account as an administrator does; a change that gives case access takes
    effect once someone who may decide it approves (security.md 30)."""
    change = services.staff_update(user=user, actor=admin, **values)
    if change is not None:
        decider = services.account_change_deciders(change).first()
        assert decider is not None
        services.account_change_approve(change=change, actor=decider)


@pytest.fixture
def second_admin(district):
    return UserFactory(email="adam@district.example", organisation=district, role="administrator")


@pytest.mark.parametrize(
    ("field", "value", "back"),
    [
        ("email", "alice.new@hela.example", None),
        ("role", Role.TEAM_LEAD, None),
        ("organisation", "district", None),
        # Changed and changed back: the link stays void all the same.
        ("role", Role.TEAM_LEAD, Role.CASE_MANAGER),
    ],
)
def test_a_change_of_email_role_or_organisation_voids_the_link(
    request, alice, ada, tess, second_admin, field, value, back
):
    _ask(alice.email)
    path = _link_path(mail.outbox[0])
    before = getattr(alice, field)
    if field == "organisation":
        value = request.getfixturevalue(value)

    _change(alice, ada, **{field: value})
    if back is not None:
        _change(alice, ada, **{field: before})

    assert not _link_is_valid(path)


@pytest.mark.parametrize(
    "value",
    [None, "http://cm.example.org", "https://cm.example.org/portal", "cm.example.org"],
)
def test_production_insists_on_an_https_site_url(tmp_path, value):
    result = _python(IMPORT_PRODUCTION, **_production_env(tmp_path, SITE_URL=value))
    assert result.returncode != 0, result.stdout
    assert "SITE_URL" in result.stderr
