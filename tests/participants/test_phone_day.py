"""Issue 17, "A day's work on a phone": the contact page, closing with a confirmation, the
confirmation steps, change case manager, long names, the empty choice and the sortable
caseload. The browser journeys are in tests/browser/test_phone_day_journey.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cm_portal.models import AccessEvent
from participants import services
from participants.forms import AssignForm, TransferForm
from participants.models import Contact, Participant
from tests.matrix import share_with_the_district
from tests.plans.rows_dashboard import deadline_for

from .factories import register
from .test_views import contact_form, intake_form

TODAY = timezone.localdate


# --- the contact page ----------------------------------------------------------------


def test_the_contact_page_has_the_form_with_todays_date(client_as, alice, participant):
    response = client_as("alice").get(reverse("participants:contact_create", args=[participant.pk]))

    assert response.status_code == 200
    assert response.context["form"]["date"].value() == TODAY()
    assert "Log a contact" in response.content.decode()
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.VIEW, object_id=str(participant.pk), detail="contact form"
    ).exists()


def test_a_saved_contact_returns_to_the_caseload_with_the_message(client_as, alice, participant):
    back = reverse("participants:list") + "?sort=-name"

    response = client_as("alice").post(
        reverse("participants:contact_create", args=[participant.pk]),
        {**contact_form(), "next": back},
        follow=True,
    )

    assert response.redirect_chain == [(back, 302)]
    assert f"The contact with {participant.reference} was logged." in response.content.decode()
    assert participant.contacts.count() == 1


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_a_contact_never_returns_to_another_site(client_as, alice, participant, target):
    response = client_as("alice").post(
        reverse("participants:contact_create", args=[participant.pk]),
        {**contact_form(), "next": target},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[participant.pk])


def test_a_refused_contact_has_a_summary_and_focus_on_the_first_error(
    client_as, alice, participant
):
    response = client_as("alice").post(
        reverse("participants:contact_create", args=[participant.pk]),
        contact_form(duration_minutes="", kind="nonsense"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_kind"' in html
    assert 'href="#id_duration_minutes"' in html
    form = response.context["form"]
    assert form.fields["kind"].widget.attrs.get("autofocus") is True
    assert "autofocus" not in form.fields["duration_minutes"].widget.attrs
    assert not Contact.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "charlie", "dana", "steve", "ada"])
def test_the_contact_page_is_404_for_whoever_may_not_change(
    client_as, persona, participant, request
):
    request.getfixturevalue(persona)
    client = client_as(persona)
    url = reverse("participants:contact_create", args=[participant.pk])

    assert client.get(url).status_code in (403, 404)
    assert client.post(url, contact_form()).status_code in (403, 404)
    assert not Contact.objects.exists()


def test_the_contact_page_of_another_participant_is_404(client_as, alice, bob, hela_manniskan):
    # IDOR: alice changes the id in the address to bob's participant.
    others = register(hela_manniskan, bob, display_name="Not alice's")
    url = reverse("participants:contact_create", args=[others.pk])
    client = client_as("alice")

    assert client.get(url).status_code == 404
    assert client.post(url, contact_form()).status_code == 404
    assert not Contact.objects.exists()


# --- closing ---------------------------------------------------------------------------


def test_the_overview_has_no_close_form_only_a_button(client_as, alice, participant):
    html = client_as("alice").get(reverse("participants:detail", args=[participant.pk]))
    page = html.content.decode()

    assert reverse("participants:close", args=[participant.pk]) in page
    assert 'name="reason"' not in page
    assert reverse("participants:contact_create", args=[participant.pk]) in page


def test_closing_asks_for_confirmation_first(client_as, alice, participant):
    client = client_as("alice")
    url = reverse("participants:close", args=[participant.pk])
    assert client.get(url).status_code == 200
    data = {"end_date": str(TODAY()), "reason_code": "moved", "reason": "Moved away"}

    response = client.post(url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Close the case of" in html
    assert 'name="confirmed" value="yes"' in html
    participant.refresh_from_db()
    assert participant.is_open

    response = client.post(url, {**data, "confirmed": "yes"})

    assert response.status_code == 302
    participant.refresh_from_db()
    assert not participant.is_open


def test_the_close_page_of_another_participant_is_404(client_as, alice, bob, hela_manniskan):
    others = register(hela_manniskan, bob, display_name="Not alice's")
    url = reverse("participants:close", args=[others.pk])
    client = client_as("alice")
    data = {"end_date": str(TODAY()), "reason": "x", "confirmed": "yes"}

    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    others.refresh_from_db()
    assert others.is_open


# --- confirmation steps ----------------------------------------------------------------


def test_unassigning_asks_for_confirmation_first(client_as, tess, alice, participant):
    client = client_as("tess")
    url = reverse("participants:unassign", args=[participant.pk])

    response = client.post(url, {"staff": alice.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Andersson is no longer assigned" in html
    assert "Nobody is assigned to the participant then." in html
    assert services.assigned_case_managers(participant) == [alice]

    client.post(url, {"staff": alice.pk, "confirmed": "yes"})

    assert services.assigned_case_managers(participant) == []


def test_moving_a_caseload_says_how_many_from_whom_to_whom_first(
    client_as, tess, alice, bob, hela_manniskan
):
    for number in range(3):
        register(hela_manniskan, alice, display_name=f"P{number}")
    client = client_as("tess")
    data = {"from_user": alice.pk, "to_user": bob.pk}

    response = client.post(reverse("participants:transfer"), data)

    assert response.status_code == 200
    assert "3 participants are moved from Alice Andersson to Bob Berg." in response.content.decode()
    assert all(
        services.assigned_case_managers(participant) == [alice]
        for participant in Participant.objects.all()
    )

    client.post(reverse("participants:transfer"), {**data, "confirmed": "yes"})

    assert all(
        services.assigned_case_managers(participant) == [bob]
        for participant in Participant.objects.all()
    )


# --- change case manager ---------------------------------------------------------------


def test_change_case_manager_in_one_step(client_as, tess, alice, bob, participant):
    response = client_as("tess").post(
        reverse("participants:reassign", args=[participant.pk]),
        {"from_user": alice.pk, "to_user": bob.pk},
        follow=True,
    )

    assert "Bob Berg is the case manager instead of Alice Andersson." in response.content.decode()
    assert services.assigned_case_managers(participant) == [bob]
    event = AccessEvent.objects.filter(
        object_id=str(participant.pk), action=AccessEvent.Action.CHANGE
    ).latest("pk")
    assert event.detail == f"moved from staff {alice.pk} to staff {bob.pk}"


def test_change_case_manager_from_someone_not_assigned_changes_nothing(
    client_as, tess, alice, bob, participant, hela_manniskan
):
    from tests.factories import UserFactory

    carl = UserFactory(organisation=hela_manniskan, role="case_manager", name="Carl")

    client_as("tess").post(
        reverse("participants:reassign", args=[participant.pk]),
        {"from_user": bob.pk, "to_user": carl.pk},
    )

    assert services.assigned_case_managers(participant) == [alice]


def test_the_service_refuses_a_new_case_manager_of_another_organisation(
    tess, alice, charlie, participant
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.participant_reassign(
            participant=participant,
            from_case_manager=alice,
            to_case_manager=charlie,
            actor=tess,
        )

    assert services.assigned_case_managers(participant) == [alice]


def test_change_case_manager_is_for_the_team_lead_of_the_case_only(
    client_as, alice, bob, tess, charlie, participant
):
    url = reverse("participants:reassign", args=[participant.pk])
    data = {"from_user": alice.pk, "to_user": bob.pk}

    assert client_as("alice").post(url, data).status_code == 403
    assert client_as("bob").post(url, data).status_code == 404
    assert client_as("charlie").post(url, data).status_code == 404
    assert services.assigned_case_managers(participant) == [alice]


# --- long names, the empty choice, a new account's organisation -------------------------


def test_a_name_longer_than_the_field_is_refused_with_a_message(client_as, alice):
    client = client_as("alice")
    page = client.get(reverse("participants:create")).content.decode()
    assert 'maxlength="100"' not in page  # the browser would cut it without a word

    response = client.post(reverse("participants:create"), intake_form(display_name="x" * 101))

    assert response.status_code == 200
    assert "at most 100 characters" in response.content.decode()
    assert not Participant.objects.exists()


@pytest.mark.parametrize("form_class", [AssignForm, TransferForm])
def test_the_empty_choice_reads_in_swedish(form_class, hela_manniskan):
    with translation.override("sv"):
        html = form_class(organisation=hela_manniskan).as_div()

    assert "Select an option" not in html
    assert "\N{EN DASH} Välj \N{EN DASH}" in html


# --- the sortable caseload -----------------------------------------------------------------


@pytest.fixture
def three(tess, alice, bob, hela_manniskan) -> dict[str, Participant]:
    today = TODAY()
    first = register(
        hela_manniskan,
        bob,
        display_name="Cecilia",
        intervention_start=today - timedelta(days=10),
    )
    second = register(
        hela_manniskan,
        alice,
        display_name="Adam",
        intervention_start=today - timedelta(days=30),
    )
    third = register(
        hela_manniskan,
        alice,
        display_name="Bertil",
        intervention_start=today - timedelta(days=20),
    )
    deadline_for(first, due_on=today + timedelta(days=3))
    deadline_for(second, due_on=today + timedelta(days=9))
    return {"first": first, "second": second, "third": third}


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        ("reference", ["Cecilia", "Adam", "Bertil"]),
        ("-reference", ["Bertil", "Adam", "Cecilia"]),
        ("name", ["Adam", "Bertil", "Cecilia"]),
        ("-name", ["Cecilia", "Bertil", "Adam"]),
        ("start", ["Adam", "Bertil", "Cecilia"]),
        ("-start", ["Cecilia", "Bertil", "Adam"]),
        ("case_manager", ["Adam", "Bertil", "Cecilia"]),
        ("-case_manager", ["Cecilia", "Adam", "Bertil"]),
        ("deadline", ["Cecilia", "Adam", "Bertil"]),
        ("-deadline", ["Adam", "Cecilia", "Bertil"]),
    ],
)
def test_the_team_leads_list_sorts(client_as, three, sort, names):
    response = client_as("tess").get(reverse("participants:list"), {"sort": sort})

    assert [participant.display_name for participant, _managers in response.context["rows"]] == (
        names
    )


def test_the_list_shows_case_managers_and_the_next_deadline(client_as, three):
    response = client_as("tess").get(reverse("participants:list"), {"sort": "name"})

    html = response.content.decode()
    rows = {
        participant.display_name: managers for participant, managers in response.context["rows"]
    }
    assert [user.name for user in rows["Cecilia"]] == ["Bob Berg"]
    assert [user.name for user in rows["Adam"]] == ["Alice Andersson"]
    assert (TODAY() + timedelta(days=3)).isoformat() in html
    assert 'aria-sort="ascending"' in html


def _queries(client, sort: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("participants:list"), {"sort": sort})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("sort", ["case_manager", "-deadline"])
def test_the_sorted_list_needs_as_many_queries_for_3_as_for_30(
    client_as, tess, alice, bob, hela_manniskan, sort
):
    client = client_as("tess")
    client.get(reverse("participants:list"))  # the first request of a session writes it
    for number in range(3):
        register(hela_manniskan, alice if number % 2 else bob, display_name=f"P{number}")
    with_three = _queries(client, sort)
    for number in range(3, 30):
        participant = register(
            hela_manniskan, alice if number % 2 else bob, display_name=f"P{number}"
        )
        deadline_for(participant, due_on=TODAY() + timedelta(days=number))

    assert _queries(client, sort) == with_three


def test_the_list_offers_a_contact_only_where_the_user_may_change(
    client_as, alice, dana, participant, request
):
    share_with_the_district(request.getfixturevalue)
    contact_page = reverse("participants:contact_create", args=[participant.pk])

    # alice is assigned; dana reads through the district's consent and may not change.
    assert contact_page in client_as("alice").get(reverse("participants:list")).content.decode()
    shared = client_as("dana").get(reverse("participants:list")).content.decode()
    assert participant.reference in shared
    assert contact_page not in shared
