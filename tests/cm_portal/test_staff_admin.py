"""The administrators' pages: staff accounts and the access log.

Role gating itself is in tests/test_permission_matrix.py; here is what the pages do.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django import forms
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cm_portal import access_log, services
from cm_portal.access import access_staff_member
from cm_portal.forms import StaffForm
from cm_portal.models import AccessEvent, AccountChangeRequest, Role, StaffSession, User

from ..factories import UserFactory
from ..helpers import LOGIN_URL, OTP_ENROL_URL, log_in_with_password

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
ENGLISH = {"accept-language": "en"}
CASE_WORKER_START = "/plans/dashboard/"  # where "/" sends case workers


@pytest.fixture
def admin_client(persona_client):
    return persona_client("ada")


def _listed(response) -> list[str]:
    return [member.email for member in response.context["page"].object_list]


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _approve_pending(target, decided_by) -> None:
    """Separation of duties (security.md 30): a second person approves what was asked."""
    for change in AccountChangeRequest.objects.filter(target=target, status="pending"):
        services.account_change_approve(change=change, actor=decided_by)


@pytest.fixture
def second_admin(district):
    return UserFactory(email="adam@district.example", organisation=district, role="administrator")


def _form(org, **values) -> dict:
    data = {
        "name": "Nora Ny",
        "email": "nora.ny@hela.example",
        "organisation": org.pk,
        "role": Role.CASE_MANAGER,
    }
    data.update(values)
    return data


# --- List -------------------------------------------------------------------------------


def test_list_shows_everyone(admin_client, personas):
    response = admin_client.get(reverse("staff:list"))
    assert response.status_code == 200
    assert sorted(_listed(response)) == sorted(user.email for user in personas.values())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "alice"}, ["alice@hela.example"]),
        ({"q": "BERG"}, ["bob@hela.example"]),
        ({"role": Role.TEAM_LEAD}, ["tess@hela.example"]),
        (
            # charlie works at another district (tests/conftest.py), whatever his address says
            {"organisation": "district"},
            [
                "ada@district.example",
                "dana@district.example",
                "rita@mchs.example",
                "steve@district.example",
            ],
        ),
        (
            {"organisation": "district", "role": Role.CASE_MANAGER, "q": "dahl"},
            ["dana@district.example"],
        ),
        ({"active": "no"}, ["charlie@district.example"]),
    ],
)
def test_list_search_and_filters(admin_client, personas, query, expected):
    User.objects.filter(pk=personas["charlie"].pk).update(is_active=False)
    response = admin_client.get(reverse("staff:list"), query)
    assert sorted(_listed(response)) == expected


def test_list_active_filter_leaves_out_the_deactivated(admin_client, personas):
    User.objects.filter(pk=personas["charlie"].pk).update(is_active=False)
    listed = _listed(admin_client.get(reverse("staff:list"), {"active": "yes"}))
    assert "charlie@district.example" not in listed
    assert len(listed) == len(personas) - 1


def test_list_query_count_does_not_grow_with_staff(admin_client, ada):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("staff:list")).status_code == 200
        return len(captured)

    UserFactory.create_batch(2, organisation=ada.organisation)
    few = queries()
    UserFactory.create_batch(20)  # each in an organisation of its own
    assert queries() == few


# --- Create -----------------------------------------------------------------------------


def test_create_sends_a_working_set_password_link(admin_client, ada, tess, hela_manniskan):
    response = admin_client.post(
        reverse("staff:create"),
        _form(hela_manniskan, email="Nora.Ny@HELA.example", send_link="on"),
    )

    nora = User.objects.get(email="nora.ny@hela.example")
    _approve_pending(nora, tess)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:edit", kwargs={"pk": nora.pk})
    assert (nora.organisation, nora.role, nora.name) == (
        hela_manniskan,
        Role.CASE_MANAGER,
        "Nora Ny",
    )
    assert not nora.has_usable_password()
    assert [event.action for event in AccessEvent.objects.filter(object_id=str(nora.pk))] == [
        Action.PASSWORD_LINK_SENT,
        Action.CREATE,
    ]
    assert AccessEvent.objects.filter(action=Action.CREATE).get().actor == ada

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nora.ny@hela.example"]
    link = re.search(r"http://localhost:8000(/accounts/password/set/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # The link works for Nora (a fresh browser, not the administrator's).
    nora_browser = Client()
    form_url = nora_browser.get(link.group(1))["Location"]
    assert nora_browser.get(form_url).context["validlink"]
    password = "nora-valde-ett-langt-losenord"
    response = nora_browser.post(form_url, {"new_password1": password, "new_password2": password})
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert log_in_with_password(nora_browser, nora.email, password)["Location"] == "/"
    assert nora_browser.get("/")["Location"] == OTP_ENROL_URL


def test_create_without_link_sends_nothing(admin_client, hela_manniskan):
    response = admin_client.post(reverse("staff:create"), _form(hela_manniskan))
    assert response.status_code == 302
    assert User.objects.filter(email="nora.ny@hela.example").exists()
    assert mail.outbox == []


def test_create_with_a_taken_address_says_so(admin_client, alice, hela_manniskan):
    response = admin_client.post(
        reverse("staff:create"), _form(hela_manniskan, email="ALICE@hela.example"), headers=ENGLISH
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "There is already an account with this e-mail address."
    ]
    assert "There is already an account with this e-mail address." in response.content.decode()
    assert User.objects.filter(email__iexact="alice@hela.example").count() == 1
    assert not AccessEvent.objects.filter(action=Action.CREATE).exists()


def test_create_ignores_fields_that_are_not_on_the_form(admin_client, alice, tess, hela_manniskan):
    data = _form(
        hela_manniskan,
        is_superuser="on",
        is_staff="on",
        is_active="",
        password="md5$plain$abc",
        id=alice.pk,
        pk=alice.pk,
        created_at="2000-01-01 00:00",
        last_login="2000-01-01 00:00",
        groups="1",
    )
    response = admin_client.post(reverse("staff:create"), data)

    assert response.status_code == 302
    nora = User.objects.get(email="nora.ny@hela.example")
    _approve_pending(nora, tess)
    nora.refresh_from_db()
    assert nora.pk != alice.pk
    assert not nora.is_superuser
    assert nora.is_active
    assert not nora.has_usable_password()
    assert nora.last_login is None
    assert nora.created_at.year > 2000
    assert not nora.groups.exists()
    alice_before = alice
    alice.refresh_from_db()
    assert (alice.name, alice.email) == (alice_before.name, "alice@hela.example")


def test_create_refuses_an_unknown_role_and_organisation(admin_client, hela_manniskan):
    response = admin_client.post(
        reverse("staff:create"), _form(hela_manniskan, role="superuser", organisation=999_999)
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"role", "organisation"}
    assert not User.objects.filter(email="nora.ny@hela.example").exists()


# --- Edit -------------------------------------------------------------------------------


def test_edit_changes_organisation_and_role(admin_client, ada, bob, district, second_admin):
    response = admin_client.post(
        reverse("staff:edit", kwargs={"pk": bob.pk}),
        _form(district, name=bob.name, email=bob.email, role=Role.TEAM_LEAD),
    )
    # The district has no team lead: a second administrator approves.
    _approve_pending(bob, second_admin)

    assert response.status_code == 302
    bob.refresh_from_db()
    assert (bob.organisation, bob.role) == (district, Role.TEAM_LEAD)
    event = AccessEvent.objects.get(action=Action.CHANGE)
    assert (event.actor, event.object_id, event.detail) == (ada, str(bob.pk), "organisation,role")
    # The detail as data: old and new values of what is no personal data.
    assert event.data["changed"]["role"] == {"old": Role.CASE_MANAGER, "new": Role.TEAM_LEAD}
    assert event.data["changed"]["organisation"]["new"] == district.pk


def test_edit_ignores_fields_that_are_not_on_the_form(admin_client, bob, hela_manniskan):
    admin_client.post(
        reverse("staff:edit", kwargs={"pk": bob.pk}),
        _form(
            hela_manniskan,
            name="Bob Berg",
            email=bob.email,
            is_superuser="on",
            is_active="",
            password="md5$plain$abc",
        ),
    )
    bob.refresh_from_db()
    assert not bob.is_superuser
    assert bob.is_active
    assert bob.password != "md5$plain$abc"


def test_edit_refuses_another_persons_address(admin_client, alice, bob, hela_manniskan):
    response = admin_client.post(
        reverse("staff:edit", kwargs={"pk": bob.pk}),
        _form(hela_manniskan, name="Bob Berg", email="Alice@Hela.example"),
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("email")
    bob.refresh_from_db()
    assert bob.email == "bob@hela.example"
    # The page shows what is stored, not what was refused.
    assert response.context["member"].email == "bob@hela.example"


def test_edit_without_changes_records_nothing(admin_client, bob, hela_manniskan):
    admin_client.post(
        reverse("staff:edit", kwargs={"pk": bob.pk}),
        _form(hela_manniskan, name=bob.name, email=bob.email),
    )
    assert not AccessEvent.objects.filter(action=Action.CHANGE).exists()


def test_edit_of_a_missing_account_is_404(admin_client):
    assert admin_client.get(reverse("staff:edit", kwargs={"pk": 999_999})).status_code == 404
    response = admin_client.post(reverse("staff:deactivate", kwargs={"pk": 999_999}))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["alice", "tess", "steve"])
def test_access_staff_member_is_404_for_a_non_administrator(persona, request, bob):
    """The fetch itself says 404, as for a missing account (STYLE: 404 for what one may
    not see); the pages' role check answers 403 before it is reached."""
    with pytest.raises(Http404):
        access_staff_member(request.getfixturevalue(persona), bob.pk)
    assert access_staff_member(request.getfixturevalue("ada"), bob.pk) == bob


# --- Deactivate, reactivate, second factor, set-password link ---------------------------


def test_deactivate_ends_that_persons_sessions_at_once(admin_client, persona_client, ada, bob):
    bob_browser = persona_client("bob")
    bob_phone = persona_client("bob")
    alice_browser = persona_client("alice")
    assert bob_browser.get(CASE_WORKER_START).status_code == 200
    keys = list(StaffSession.objects.filter(user=bob).values_list("session_key", flat=True))
    assert len(keys) == 2

    response = admin_client.post(
        reverse("staff:deactivate", kwargs={"pk": bob.pk}), {"confirmed": "yes"}
    )

    assert response["Location"] == reverse("staff:edit", kwargs={"pk": bob.pk})
    bob.refresh_from_db()
    assert not bob.is_active
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not StaffSession.objects.filter(user=bob).exists()
    for client in (bob_browser, bob_phone):
        assert client.get("/")["Location"].startswith(LOGIN_URL)
    assert alice_browser.get(CASE_WORKER_START).status_code == 200
    event = AccessEvent.objects.get(action=Action.DEACTIVATE)
    assert (event.actor, event.object_type, event.object_id) == (ada, "user", str(bob.pk))
    # And the password no longer opens anything.
    assert log_in_with_password(Client(), bob.email).status_code == 200


def test_cannot_deactivate_yourself(admin_client, ada):
    response = admin_client.post(
        reverse("staff:deactivate", kwargs={"pk": ada.pk}), follow=True, headers=ENGLISH
    )
    assert _messages(response) == ["You cannot deactivate your own account."]
    ada.refresh_from_db()
    assert ada.is_active
    assert admin_client.get("/").status_code == 200
    assert not AccessEvent.objects.filter(action=Action.DEACTIVATE).exists()


def test_the_edit_page_offers_no_self_deactivation(admin_client, ada):
    html = admin_client.get(reverse("staff:edit", kwargs={"pk": ada.pk})).content.decode()
    assert reverse("staff:deactivate", kwargs={"pk": ada.pk}) not in html


def test_reactivate_lets_the_person_log_in_again(admin_client, bob):
    admin_client.post(reverse("staff:deactivate", kwargs={"pk": bob.pk}), {"confirmed": "yes"})
    admin_client.post(reverse("staff:reactivate", kwargs={"pk": bob.pk}))
    bob.refresh_from_db()
    assert bob.is_active
    assert log_in_with_password(Client(), bob.email)["Location"] == "/"
    event = AccessEvent.objects.filter(action=Action.CHANGE).get()
    assert (event.object_id, event.detail) == (str(bob.pk), "is_active")


def test_reset_second_factor_forces_enrolment(admin_client, persona_client, ada, bob, tess):
    bob_browser = persona_client("bob")

    admin_client.post(reverse("staff:reset_second_factor", kwargs={"pk": bob.pk}))
    _approve_pending(bob, tess)

    assert not TOTPDevice.objects.filter(user=bob).exists()
    assert bob_browser.get("/")["Location"].startswith(LOGIN_URL)
    client = Client()
    log_in_with_password(client, bob.email)
    assert client.get("/")["Location"] == OTP_ENROL_URL
    event = AccessEvent.objects.get(action=Action.OTP_RESET)
    assert (event.actor, event.object_id) == (ada, str(bob.pk))


def test_password_link_is_sent_and_logged(admin_client, ada, bob, tess):
    admin_client.post(reverse("staff:password_link", kwargs={"pk": bob.pk}))
    _approve_pending(bob, tess)
    mail.outbox = [message for message in mail.outbox if "password/set" in message.body]
    assert [message.to for message in mail.outbox] == [[bob.email]]
    event = AccessEvent.objects.get(action=Action.PASSWORD_LINK_SENT)
    assert (event.actor, event.object_id) == (ada, str(bob.pk))


def test_no_password_link_for_a_deactivated_account(admin_client, bob):
    User.objects.filter(pk=bob.pk).update(is_active=False)
    response = admin_client.post(
        reverse("staff:password_link", kwargs={"pk": bob.pk}), follow=True, headers=ENGLISH
    )
    assert _messages(response) == ["The account is deactivated."]
    assert mail.outbox == []


# --- Access log page --------------------------------------------------------------------


@pytest.fixture
def logged_events(alice, bob, ada):
    """Events on three days; returns them by a short name."""
    events = {}
    with time_machine.travel(datetime(2026, 1, 10, 9, 0, tzinfo=UTC), tick=False):
        events["alice_view"] = access_log.record(action=Action.VIEW, actor=alice, obj=bob)
    with time_machine.travel(datetime(2026, 1, 12, 9, 0, tzinfo=UTC), tick=False):
        events["bob_export"] = access_log.record(
            action=Action.EXPORT, actor=bob, object_type="participant", object_id=7
        )
    with time_machine.travel(datetime(2026, 1, 14, 9, 0, tzinfo=UTC), tick=False):
        events["ada_change"] = access_log.record(action=Action.CHANGE, actor=ada, obj=alice)
    return events


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["ada_change", "bob_export", "alice_view"]),
        ({"actor": "ALICE@"}, ["alice_view"]),
        ({"action": Action.EXPORT}, ["bob_export"]),
        ({"object_type": "participant", "object_id": "7"}, ["bob_export"]),
        ({"date_from": "2026-01-11"}, ["ada_change", "bob_export"]),
        ({"date_to": "2026-01-12"}, ["bob_export", "alice_view"]),
        ({"date_from": "2026-01-12", "date_to": "2026-01-12"}, ["bob_export"]),
        ({"actor": "bob", "action": Action.VIEW}, []),
    ],
)
def test_access_log_filters(admin_client, logged_events, query, expected):
    # Only the events of the fixture: the administrator's own login is not in January.
    query = {"date_to": "2026-01-31", **query}
    response = admin_client.get(reverse("staff:access_log"), query)
    assert response.status_code == 200
    shown = [event.pk for event in response.context["page"].object_list]
    assert shown == [logged_events[name].pk for name in expected]


def test_access_log_refuses_a_reversed_date_range(admin_client, logged_events):
    response = admin_client.get(
        reverse("staff:access_log"), {"date_from": "2026-01-14", "date_to": "2026-01-10"}
    )
    assert response.context["form"].non_field_errors()


def test_reading_the_access_log_is_itself_logged(admin_client, ada):
    admin_client.get(reverse("staff:access_log"), {"actor": "alice"})
    event = AccessEvent.objects.get(action=Action.VIEW)
    assert (event.actor, event.object_type) == (ada, "access_log")


def test_access_log_shows_times_in_stockholm_time(admin_client, logged_events):
    html = admin_client.get(reverse("staff:access_log"), {"action": Action.EXPORT}).content
    # The export was logged at 2026-01-12 09:00 UTC: 10:00 in Stockholm, with the zone named.
    assert b"2026-01-12 10:00:00 CET" in html
    assert b"2026-01-12 09:00:00" not in html


def test_access_log_pages_keep_the_filter(admin_client, alice):
    for _event in range(55):
        access_log.record(action=Action.VIEW, actor=alice, object_type="participant", object_id=1)
    response = admin_client.get(reverse("staff:access_log"), {"object_type": "participant"})
    assert len(response.context["page"].object_list) == 50
    assert response.context["query"] == "object_type=participant"
    second = admin_client.get(
        reverse("staff:access_log"), {"object_type": "participant", "page": 2}
    )
    assert len(second.context["page"].object_list) == 5


# --- Forms take only the fields they name -----------------------------------------------

PROJECT_APPS = ("cm_portal", "participants", "consent", "plans", "reporting")


def _model_forms() -> list[type[forms.ModelForm]]:
    for app in PROJECT_APPS:
        if importlib.util.find_spec(f"{app}.forms") is not None:
            importlib.import_module(f"{app}.forms")
    found, todo = [], list(forms.ModelForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        if form.__module__.split(".")[0] in PROJECT_APPS:
            found.append(form)
    return found


def test_no_model_form_uses_all_or_exclude():
    model_forms = _model_forms()
    assert StaffForm in model_forms
    for form in model_forms:
        meta = form._meta
        assert isinstance(meta.fields, list | tuple), f"{form.__name__} must list its fields"
        assert meta.exclude is None, f"{form.__name__} uses exclude"


def test_deactivating_asks_first(admin_client, bob):
    # Issue 17: one click shows what deactivation does; only the confirmed form does it.
    url = reverse("staff:deactivate", kwargs={"pk": bob.pk})

    response = admin_client.post(url, headers=ENGLISH)

    assert response.status_code == 200
    assert "Deactivate the account of Bob Berg?" in response.content.decode()
    bob.refresh_from_db()
    assert bob.is_active
    assert not AccessEvent.objects.filter(action=Action.DEACTIVATE).exists()

    admin_client.post(url, {"confirmed": "yes"})
    bob.refresh_from_db()
    assert not bob.is_active


def test_a_new_accounts_organisation_is_the_administrators(admin_client, ada, hela_manniskan):
    # Issue 17: not the first organisation in alphabetical order.
    response = admin_client.get(reverse("staff:create"))

    assert response.context["form"]["organisation"].value() == ada.organisation_id
