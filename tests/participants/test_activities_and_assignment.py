"""Activity records, the team lead's assignments, caseload transfer and editing intake data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cm_portal.models import AccessEvent, Role
from participants import services
from participants.models import (
    ActivityRecord,
    CaseChange,
    Participant,
    ParticipantUserObjectPermission,
)

from ..conftest import verified_client
from ..factories import TOTPDeviceFactory, UserFactory
from .factories import intake, register

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def state() -> dict:
    tables = {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in (Participant, CaseChange, ActivityRecord, ParticipantUserObjectPermission)
    }
    # A refusal writes only the log's record of it (security.md 33).
    refusals_aside = AccessEvent.objects.exclude(action=AccessEvent.Action.REFUSED)
    tables[AccessEvent._meta.label] = list(refusals_aside.order_by("pk").values())
    return tables


def activity_form(**values) -> dict:
    data = {
        "kind": "drop_in",
        "date": str(TODAY() - timedelta(days=1)),
        "duration_minutes": 120,
        "people_reached": 12,
        "first_time_visitors": 3,
    }
    data.update(values)
    return data


def make_activity(organisation, recorded_by, **values) -> ActivityRecord:
    data = {
        "kind": "outreach",
        "date": TODAY() - timedelta(days=1),
        "duration_minutes": 60,
        "people_reached": 5,
        "first_time_visitors": 1,
    }
    data.update(values)
    return services.activity_record_create(organisation=organisation, actor=recorded_by, **data)


# --- activity records -----------------------------------------------------------------


def test_record_an_activity(client_as, alice, hela_manniskan, district):
    response = client_as("alice").post(
        reverse("participants:activity_create"),
        activity_form(organisation=district.pk, recorded_by=999),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("participants:activity_list")
    record = ActivityRecord.objects.get()
    assert (record.kind, record.people_reached, record.first_time_visitors) == ("drop_in", 12, 3)
    assert record.organisation == hela_manniskan
    assert record.recorded_by == alice
    assert AccessEvent.objects.filter(actor=alice, action=AccessEvent.Action.CREATE).exists()


def test_the_activity_date_defaults_to_today(client_as, alice):
    response = client_as("alice").get(reverse("participants:activity_create"))

    assert response.context["form"]["date"].value() == TODAY()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"people_reached": 3, "first_time_visitors": 4},
            "First-time visitors cannot be more than the people reached.",
        ),
        ({"date": str(TODAY() + timedelta(days=1))}, "An activity cannot be dated in the future."),
        ({"duration_minutes": 0}, "Ensure this value is greater than or equal to 1."),
        ({"people_reached": -1}, "Ensure this value is greater than or equal to 0."),
        ({"kind": "party"}, "Select a valid choice."),
    ],
)
def test_activity_refusals_explain_themselves(client_as, alice, values, message):
    response = client_as("alice").post(
        reverse("participants:activity_create"), activity_form(**values)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ActivityRecord.objects.exists()


def test_activities_of_the_own_organisation_newest_first(
    client_as, alice, tess, charlie, hela_manniskan, district
):
    make_activity(hela_manniskan, alice, date=TODAY() - timedelta(days=9), people_reached=71)
    make_activity(hela_manniskan, tess, date=TODAY() - timedelta(days=2), people_reached=72)
    # Five digits: a shorter number turns up now and then in the page's random tokens.
    make_activity(district, charlie, people_reached=98765)

    response = client_as("tess").get(reverse("participants:activity_list"))

    assert [r.people_reached for r in response.context["page"]] == [72, 71]
    assert "98765" not in response.content.decode()


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("participants:activity_list"))
    assert response.status_code == 200
    return len(queries)


def test_activities_are_paginated_and_queries_do_not_grow(client_as, alice, hela_manniskan):
    client = client_as("alice")
    client.get(reverse("participants:activity_list"))  # the first request writes the session
    for _ in range(3):
        make_activity(hela_manniskan, alice)
    with_three = _list_queries(client)
    for _ in range(27):
        make_activity(hela_manniskan, alice)

    with_thirty = _list_queries(client)
    second = client.get(reverse("participants:activity_list"), {"page": 2})

    assert with_three == with_thirty
    assert len(second.context["page"]) == 5


@pytest.mark.parametrize("persona", ["steve", "ada"])
def test_activities_are_for_case_workers_only(client_as, persona, request):
    request.getfixturevalue(persona)
    client = client_as(persona)

    assert client.get(reverse("participants:activity_list")).status_code == 403
    assert client.post(reverse("participants:activity_create"), activity_form()).status_code == 403
    assert not ActivityRecord.objects.exists()


def test_navigation_shows_activities_to_case_workers_only(client_as, alice, steve):
    items = client_as("alice").get(reverse("participants:activity_list")).context["nav_items"]

    assert [(i.label, i.active) for i in items if i.label in ("Participants", "Activities")] == [
        ("Participants", False),
        ("Activities", True),
    ]
    assert "Activities" not in [
        i.label for i in client_as("steve").get("/", follow=True).context["nav_items"]
    ]


# --- the team lead's assignment -------------------------------------------------------


def test_the_team_lead_sees_the_assignment_form(client_as, tess, bob, charlie, participant):
    inactive = UserFactory(organisation=tess.organisation, name="Gone Away", is_active=False)
    UserFactory(organisation=tess.organisation, name="Stella Styr", role=Role.STEERING_GROUP)

    response = client_as("tess").get(reverse("participants:detail", args=[participant.pk]))

    choices = {user.name for user in response.context["assign_form"].fields["staff"].queryset}
    assert choices == {"Alice Andersson", "Bob Berg", "Tess Team"}
    assert inactive.name not in response.content.decode()
    assert reverse("participants:unassign", args=[participant.pk]) in response.content.decode()


def test_a_case_manager_sees_no_assignment_form(client_as, alice, participant):
    response = client_as("alice").get(reverse("participants:detail", args=[participant.pk]))

    assert response.context["assign_form"] is None
    assert reverse("participants:assign", args=[participant.pk]) not in response.content.decode()


def test_the_team_lead_assigns_a_case_manager(client_as, tess, alice, bob, participant):
    response = client_as("tess").post(
        reverse("participants:assign", args=[participant.pk]), {"staff": bob.pk}, follow=True
    )

    assert "Bob Berg was assigned." in response.content.decode()
    assert services.assigned_case_managers(participant) == [alice, bob]
    assert (
        client_as("bob").get(reverse("participants:detail", args=[participant.pk])).status_code
        == 200
    )
    assert AccessEvent.objects.filter(actor=tess, detail=f"assigned staff {bob.pk}").exists()


@pytest.mark.parametrize("other", ["charlie", "steve"])
def test_only_case_workers_of_the_organisation_can_be_assigned(
    client_as, tess, alice, participant, other, request
):
    staff = request.getfixturevalue(other)
    client = client_as("tess")
    before = state()

    response = client.post(
        reverse("participants:assign", args=[participant.pk]), {"staff": staff.pk}
    )

    assert response.status_code == 302
    assert state() == before
    page = client.get(response["Location"]).content.decode()
    assert "Choose a case manager of the organisation." in page


def test_an_unassigned_case_manager_loses_access_on_the_next_request(
    client_as, tess, alice, participant
):
    alice_client = client_as("alice")
    url = reverse("participants:detail", args=[participant.pk])
    assert alice_client.get(url).status_code == 200

    response = client_as("tess").post(
        reverse("participants:unassign", args=[participant.pk]),
        {"staff": alice.pk, "confirmed": "yes"},
        follow=True,
    )

    assert "Alice Andersson is no longer assigned." in response.content.decode()
    assert services.assigned_case_managers(participant) == []
    assert alice_client.get(url).status_code == 404
    assert AccessEvent.objects.filter(actor=tess, detail=f"unassigned staff {alice.pk}").exists()


def test_unassigning_someone_not_assigned_is_refused(client_as, tess, alice, bob, participant):
    response = client_as("tess").post(
        reverse("participants:unassign", args=[participant.pk]),
        {"staff": bob.pk, "confirmed": "yes"},
        follow=True,
    )

    assert "That person is not assigned to the participant." in response.content.decode()
    assert services.assigned_case_managers(participant) == [alice]


@pytest.mark.parametrize("name", ["assign", "unassign"])
def test_the_assigned_case_manager_is_forbidden_to_assign(client_as, alice, bob, participant, name):
    client = client_as("alice")
    before = state()

    response = client.post(
        reverse(f"participants:{name}", args=[participant.pk]), {"staff": bob.pk}
    )

    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("persona", ["bob", "charlie", "dana"])
@pytest.mark.parametrize("name", ["assign", "unassign", "edit"])
def test_assignment_and_edit_of_an_unseen_participant_are_not_found(
    client_as, alice, participant, persona, name, request
):
    staff = request.getfixturevalue(persona)
    client = client_as(persona)
    url = reverse(f"participants:{name}", args=[participant.pk])
    before = state()

    data = {"staff": alice.pk if name == "unassign" else staff.pk}
    if name == "edit":
        assert client.get(url).status_code == 404
        data = {**intake(), "intervention_start": str(participant.intervention_start)}
    assert client.post(url, data).status_code == 404

    assert state() == before


def test_a_team_lead_of_another_organisation_gets_not_found(alice, district, participant):
    other_lead = UserFactory(organisation=district, role=Role.TEAM_LEAD)
    TOTPDeviceFactory(user=other_lead)
    client = verified_client(other_lead)
    before = state()

    response = client.post(
        reverse("participants:assign", args=[participant.pk]), {"staff": other_lead.pk}
    )

    assert response.status_code == 404
    assert state() == before


# --- caseload transfer ----------------------------------------------------------------


def test_transfer_moves_the_whole_caseload(client_as, tess, alice, bob, hela_manniskan):
    moved = [register(hela_manniskan, alice, display_name=f"P{n}") for n in range(3)]
    kept = register(hela_manniskan, bob, display_name="Bob's own")

    response = client_as("tess").post(
        reverse("participants:transfer"),
        {"from_user": alice.pk, "to_user": bob.pk, "confirmed": "yes"},
        follow=True,
    )

    assert (
        "3 participants were moved from Alice Andersson to Bob Berg." in response.content.decode()
    )
    for participant in moved:
        assert services.assigned_case_managers(participant) == [bob]
    assert services.assigned_case_managers(kept) == [bob]
    assert (
        client_as("alice").get(reverse("participants:detail", args=[moved[0].pk])).status_code
        == 404
    )
    assert (
        AccessEvent.objects.filter(
            actor=tess, detail=f"moved from staff {alice.pk} to staff {bob.pk}"
        ).count()
        == 3
    )


def test_transfer_from_a_deactivated_case_manager(client_as, tess, alice, bob, participant):
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    client_as("tess").post(
        reverse("participants:transfer"),
        {"from_user": alice.pk, "to_user": bob.pk, "confirmed": "yes"},
    )

    assert services.assigned_case_managers(participant) == [bob]


@pytest.mark.parametrize(
    ("to", "message"),
    [("alice", "Choose two different case managers."), ("charlie", "Select a valid choice.")],
)
def test_transfer_refusals_explain_themselves(
    client_as, tess, alice, participant, to, message, request
):
    target = request.getfixturevalue(to)
    client = client_as("tess")
    before = state()

    response = client.post(
        reverse("participants:transfer"), {"from_user": alice.pk, "to_user": target.pk}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("persona", ["alice", "charlie", "steve", "ada"])
def test_transfer_is_for_team_leads_only(client_as, persona, alice, bob, participant, request):
    request.getfixturevalue(persona)
    client = client_as(persona)
    before = state()

    response = client.post(
        reverse("participants:transfer"), {"from_user": alice.pk, "to_user": bob.pk}
    )

    assert response.status_code == 403
    assert state() == before


# --- editing intake data --------------------------------------------------------------


@pytest.fixture
def numbered(hela_manniskan, alice):
    return register(
        hela_manniskan,
        alice,
        display_name="Robin",
        birth_year=1981,
        personal_identity_number="198112189876",
    )


def edit_form(participant, **values) -> dict:
    data = {
        "display_name": participant.display_name,
        "personal_identity_number": participant.personal_identity_number,
        "birth_year": participant.birth_year,
        "gender": participant.gender,
        "entry_path": participant.entry_path,
        "intervention_start": str(participant.intervention_start),
    }
    if participant.crisis_relevant:
        data["crisis_relevant"] = "on"
    data.update(values)
    return data


def test_the_edit_form_alone_shows_the_full_number(client_as, alice, numbered):
    client = client_as("alice")
    detail = client.get(reverse("participants:detail", args=[numbered.pk])).content.decode()

    page = client.get(reverse("participants:edit", args=[numbered.pk])).content.decode()

    assert reverse("participants:edit", args=[numbered.pk]) in detail
    assert "9876" not in detail
    assert "19811218-9876" in page
    assert (
        AccessEvent.objects.filter(
            action=AccessEvent.Action.VIEW, actor=alice, object_id=str(numbered.pk)
        ).count()
        == 2
    )


@pytest.mark.parametrize("persona", ["alice", "tess"])
def test_edit_keeps_the_change_history(client_as, persona, alice, numbered, request):
    editor = request.getfixturevalue(persona)
    client = client_as(persona)

    response = client.post(
        reverse("participants:edit", args=[numbered.pk]),
        edit_form(numbered, display_name="Robin R", crisis_relevant="on", organisation=999),
    )

    assert response.status_code == 302
    numbered.refresh_from_db()
    assert (numbered.display_name, numbered.crisis_relevant) == ("Robin R", True)
    assert numbered.organisation_id == alice.organisation_id
    changes = {c.field: (c.old_value, c.new_value, c.changed_by) for c in numbered.changes.all()}
    assert changes == {
        "display_name": ("Robin", "Robin R", editor),
        "crisis_relevant": ("False", "True", editor),
    }
    page = client.get(reverse("participants:edit", args=[numbered.pk])).content.decode()
    assert "display_name from “Robin” to “Robin R”" in page


def test_a_changed_number_is_masked_in_the_history(client_as, alice, numbered):
    client_as("alice").post(
        reverse("participants:edit", args=[numbered.pk]),
        edit_form(numbered, personal_identity_number="", birth_year=1981),
    )

    change = numbered.changes.get(field="personal_identity_number")
    assert (change.old_value, change.new_value) == ("19811218-••••", "")


def test_an_unchanged_form_changes_nothing(client_as, alice, numbered):
    response = client_as("alice").post(
        reverse("participants:edit", args=[numbered.pk]), edit_form(numbered), follow=True
    )

    assert "Nothing was changed." in response.content.decode()
    assert not numbered.changes.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"birth_year": 2003}, "The birth year does not match the personal identity number."),
        (
            {"intervention_start": str(TODAY() + timedelta(days=1))},
            "The start date cannot be in the future.",
        ),
        ({"personal_identity_number": "19811218-9875"}, "The check digit of the personal"),
    ],
)
def test_edit_refusals_explain_themselves(client_as, alice, numbered, values, message):
    before = Participant.objects.values().get(pk=numbered.pk)

    response = client_as("alice").post(
        reverse("participants:edit", args=[numbered.pk]), edit_form(numbered, **values)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Participant.objects.values().get(pk=numbered.pk) == before
    assert not numbered.changes.exists()
