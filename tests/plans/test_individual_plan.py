"""The individual plan: establishment rules, optimistic locking, history, the web forms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cm_portal.models import AccessEvent
from consent.services import consent_record
from plans.models import ContactPath, Goal, IndividualPlan, PlanRevision, SubGoal
from plans.selectors.individual_plan import plan_content, plan_of
from plans.services import individual_plan as services
from plans.services.versioning import PlanConflict

from .helpers_individual_plan import english_client, plan_participant_of, version_of
from .helpers_individual_plan import plan_of as build_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

START = date(2026, 6, 1)


@pytest.fixture
def participant(request):
    return plan_participant_of(request.getfixturevalue)


@pytest.fixture
def plan(request):
    return build_plan(request.getfixturevalue)


@pytest.fixture
def alice_client(alice):
    return english_client(alice)


def _establish(participant, alice, on=None, version=None):
    return services.plan_establish(
        participant=participant,
        established_on=on or timezone.localdate(),
        expected_version=version_of(participant) if version is None else version,
        actor=alice,
    )


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- establishment rules -----------------------------------------------------------------


def test_establish_without_anything_names_both_missing_parts(participant, alice):
    with pytest.raises(ValidationError) as caught:
        _establish(participant, alice)
    assert "Add at least one goal with a sub-goal." in _messages(caught.value)
    assert "Add at least one contact path." in _messages(caught.value)
    assert not IndividualPlan.objects.filter(established_on__isnull=False).exists()


def test_establish_without_a_contact_path(participant, alice):
    services.goal_create(
        participant=participant,
        title="Arbete",
        first_sub_goal="Träffa coach",
        expected_version=0,
        actor=alice,
    )
    with pytest.raises(ValidationError) as caught:
        _establish(participant, alice)
    assert _messages(caught.value) == "Add at least one contact path."


def test_establish_without_a_goal(participant, alice):
    services.contact_paths_save(
        participant=participant,
        paths=[{"actor": "Socialtjänsten", "how": "08-1"}],
        expected_version=0,
        actor=alice,
    )
    with pytest.raises(ValidationError) as caught:
        _establish(participant, alice)
    assert _messages(caught.value) == "Add at least one goal with a sub-goal."


def test_establish_in_the_future_is_refused(plan, alice):
    with pytest.raises(ValidationError) as caught:
        _establish(plan.participant, alice, on=timezone.localdate() + timedelta(days=1))
    assert "future" in _messages(caught.value)


def test_establish_before_the_start_is_refused(plan, alice):
    with pytest.raises(ValidationError) as caught:
        _establish(plan.participant, alice, on=START - timedelta(days=1))
    assert "before the intervention started (2026-06-01)" in _messages(caught.value)


def test_establish_twice_is_refused(plan, alice):
    _establish(plan.participant, alice, on=date(2026, 7, 10))
    with pytest.raises(ValidationError) as caught:
        _establish(plan.participant, alice)
    assert "already established on 2026-07-10" in _messages(caught.value)
    plan.refresh_from_db()
    assert plan.established_on == date(2026, 7, 10)


def test_establish_on_the_start_date_is_accepted(plan, alice):
    _establish(plan.participant, alice, on=START)
    plan.refresh_from_db()
    assert plan.established_on == START


def test_an_established_plan_keeps_a_contact_path(plan, alice):
    _establish(plan.participant, alice)
    with pytest.raises(ValidationError) as caught:
        services.contact_paths_save(
            participant=plan.participant,
            paths=[],
            expected_version=version_of(plan.participant),
            actor=alice,
        )
    assert "Add at least one contact path." in _messages(caught.value)
    assert ContactPath.objects.count() == 1


def test_an_established_plan_keeps_a_goal(plan, alice):
    _establish(plan.participant, alice)
    goal = plan.goals.get()
    with pytest.raises(ValidationError) as caught:
        services.goal_delete(goal=goal, expected_version=version_of(plan.participant), actor=alice)
    assert "Add at least one goal with a sub-goal." in _messages(caught.value)
    assert Goal.objects.count() == 1


def test_an_established_plan_can_still_be_revised(plan, alice):
    _establish(plan.participant, alice)
    services.goal_create(
        participant=plan.participant,
        title="Arbete",
        first_sub_goal="Träffa coach",
        expected_version=version_of(plan.participant),
        actor=alice,
    )
    assert Goal.objects.count() == 2


def test_a_goal_keeps_at_least_one_sub_goal(plan, alice):
    goal = plan.goals.get()
    with pytest.raises(ValidationError) as caught:
        services.goal_update(
            goal=goal,
            title="Egen lägenhet",
            sub_goals=[],
            expected_version=plan.version,
            actor=alice,
        )
    assert "at least one sub-goal" in _messages(caught.value)
    assert SubGoal.objects.count() == 1


def test_goal_create_needs_both_titles(participant, alice):
    with pytest.raises(ValidationError) as caught:
        services.goal_create(
            participant=participant,
            title=" ",
            first_sub_goal="",
            expected_version=0,
            actor=alice,
        )
    assert set(caught.value.message_dict) == {"title", "first_sub_goal"}
    assert not IndividualPlan.objects.exists()


# --- optimistic locking and history ------------------------------------------------------


def test_a_stale_version_is_a_conflict_and_the_first_edit_survives(plan, alice, tess):
    loaded = plan.version
    goal = plan.goals.get()
    services.goal_update(
        goal=goal,
        title="Tess version",
        sub_goals=[{"title": "Steg", "status": "open"}],
        expected_version=loaded,
        actor=tess,
    )
    with pytest.raises(PlanConflict):
        services.goal_update(
            goal=goal,
            title="Alice version",
            sub_goals=[{"title": "Steg", "status": "achieved"}],
            expected_version=loaded,
            actor=alice,
        )
    goal.refresh_from_db()
    assert goal.title == "Tess version"
    assert plan_content(plan_of(plan.participant))["goals"][0]["sub_goals"] == [
        {"title": "Steg", "status": "open"}
    ]


def test_two_first_saves_the_second_conflicts(participant, alice, tess):
    services.goal_create(
        participant=participant, title="A", first_sub_goal="a", expected_version=0, actor=alice
    )
    with pytest.raises(PlanConflict):
        services.goal_create(
            participant=participant,
            title="B",
            first_sub_goal="b",
            expected_version=0,
            actor=tess,
        )
    assert list(Goal.objects.values_list("title", flat=True)) == ["A"]
    assert IndividualPlan.objects.count() == 1


def test_every_save_keeps_a_revision_with_who_and_what(plan, alice):
    _establish(plan.participant, alice, on=date(2026, 7, 10))
    revisions = list(PlanRevision.objects.filter(participant=plan.participant))
    assert [(r.version, r.action, r.saved_by) for r in revisions] == [
        (3, "established", alice),
        (2, "contact paths saved", alice),
        (1, "goal added", alice),
    ]
    assert revisions[0].content == {
        "established_on": "2026-07-10",
        "goals": [
            {
                "title": "Egen lägenhet",
                "sub_goals": [{"title": "Ställa sig i bostadskön", "status": "open"}],
            }
        ],
        "contact_paths": [
            {"actor": "Psykiatrimottagningen", "person": "", "how": "08-123", "when": ""}
        ],
    }
    assert revisions[2].content["contact_paths"] == []


def test_changes_are_in_the_access_log_against_the_participant(plan, alice):
    events = AccessEvent.objects.filter(object_type="participant", object_id=plan.participant_id)
    goal = plan.goals.get()
    assert events.filter(action="create", detail=f"plan goal {goal.pk}").exists()
    assert events.filter(action="change", detail="plan contact paths").exists()
    _establish(plan.participant, alice)
    assert events.filter(action="change", detail="plan established").exists()


# --- the web pages ----------------------------------------------------------------------


def test_the_plan_page_shows_the_plan_and_logs_the_view(plan, alice_client):
    url = reverse("plans:plan", kwargs={"pk": plan.participant_id})
    response = alice_client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    for expected in ("Egen lägenhet", "Ställa sig i bostadskön", "Psykiatrimottagningen"):
        assert expected in text
    assert "2026-07-27" in text  # D2 = start + 56 days
    assert "Not yet established" in text
    assert "Overdue: not established yet" in text  # today is after 2026-07-27
    assert AccessEvent.objects.filter(
        action="view", object_id=str(plan.participant_id), detail="plan"
    ).exists()


def test_edit_controls_only_for_those_who_may_change(plan, alice, dana, district):
    consent_record(
        participant=plan.participant,
        actor=alice,
        organisations=[district],
        purpose="Samordning",
        signed_on=date(2026, 6, 2),
        signed_by="participant",
    )
    participant_pk = plan.participant_id
    reader = english_client(dana)
    response = reader.get(reverse("plans:plan", kwargs={"pk": participant_pk}))
    assert response.status_code == 200
    assert "Egen lägenhet" in response.content.decode()
    create_url = reverse("plans:goal_create", kwargs={"pk": participant_pk})
    assert create_url not in response.content.decode()
    assert "Establish the plan" not in response.content.decode()
    assert reader.get(create_url).status_code == 404
    history = reverse("plans:plan_history", kwargs={"pk": participant_pk})
    assert reader.get(history).status_code == 200
    owner_page = english_client(alice).get(reverse("plans:plan", kwargs={"pk": participant_pk}))
    assert create_url in owner_page.content.decode()


def test_add_a_goal_through_the_web(participant, alice_client):
    url = reverse("plans:goal_create", kwargs={"pk": participant.pk})
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(
        url, {"version": 0, "title": "Arbete", "first_sub_goal": "Träffa coach"}
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.title == "Arbete"
    assert list(goal.sub_goals.values_list("title", "status")) == [("Träffa coach", "open")]


def test_a_goal_without_a_sub_goal_shows_the_error_on_the_field(participant, alice_client):
    url = reverse("plans:goal_create", kwargs={"pk": participant.pk})
    response = alice_client.post(url, {"version": 0, "title": "Arbete", "first_sub_goal": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["first_sub_goal"]
    assert not Goal.objects.exists()


@pytest.mark.parametrize("version", ["abc", "-1", "9" * 5000, ""])
def test_a_garbled_version_is_said_on_the_page_and_nothing_stored(
    participant, alice_client, version
):
    """The version is a hidden field: its error would otherwise be shown nowhere."""
    url = reverse("plans:goal_create", kwargs={"pk": participant.pk})
    data = {"version": version, "title": "Arbete", "first_sub_goal": "Träffa coach"}

    response = alice_client.post(url, data)

    assert response.status_code == 200
    assert "The form could not be read. Open the page again" in response.content.decode()
    assert not Goal.objects.exists()


def _goal_edit_data(version, title, rows, initial):
    data = {
        "version": version,
        "title": title,
        "sub-TOTAL_FORMS": str(len(rows)),
        "sub-INITIAL_FORMS": str(initial),
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"sub-{index}-{key}"] = value
    return data


def test_edit_sub_goals_status_add_and_delete_through_the_web(plan, alice_client, alice):
    goal = plan.goals.get()
    services.goal_update(
        goal=goal,
        title=goal.title,
        sub_goals=[{"title": "Ett", "status": "open"}, {"title": "Två", "status": "open"}],
        expected_version=plan.version,
        actor=alice,
    )
    url = reverse("plans:goal_edit", kwargs={"pk": plan.participant_id, "goal_pk": goal.pk})
    page = alice_client.get(url)
    assert page.status_code == 200
    assert page.context["formset"].total_form_count() == 4  # two sub-goals, two empty rows
    rows = [
        {"title": "Ett", "status": "achieved"},
        {"title": "Två", "status": "open", "DELETE": "on"},
        {"title": "Tre", "status": "dropped"},
        {"title": "", "status": "open"},
    ]
    response = alice_client.post(
        url, _goal_edit_data(version_of(plan.participant), "Eget boende", rows, 2)
    )
    assert response.status_code == 302, response.context["form"].errors
    goal.refresh_from_db()
    assert goal.title == "Eget boende"
    assert list(goal.sub_goals.values_list("title", "status")) == [
        ("Ett", "achieved"),
        ("Tre", "dropped"),
    ]


def test_deleting_every_sub_goal_is_refused_with_a_message(plan, alice_client):
    goal = plan.goals.get()
    url = reverse("plans:goal_edit", kwargs={"pk": plan.participant_id, "goal_pk": goal.pk})
    rows = [{"title": "Ställa sig i bostadskön", "status": "open", "DELETE": "on"}]
    response = alice_client.post(url, _goal_edit_data(plan.version, goal.title, rows, 1))
    assert response.status_code == 200
    assert "at least one sub-goal" in response.content.decode()
    assert SubGoal.objects.count() == 1


def test_delete_a_goal_through_the_web(plan, alice_client):
    goal = plan.goals.get()
    url = reverse("plans:goal_delete", kwargs={"pk": plan.participant_id, "goal_pk": goal.pk})
    assert alice_client.get(url).status_code == 405
    # First a confirmation step that names the goal and deletes nothing (issue 17).
    response = alice_client.post(url, {"version": plan.version})
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(goal.title) in page
    assert 'name="confirmed" value="yes"' in page
    assert Goal.objects.filter(pk=goal.pk).exists()
    response = alice_client.post(url, {"version": plan.version, "confirmed": "yes"})
    assert response.status_code == 302
    assert not Goal.objects.exists()


def _paths_data(version, rows, initial):
    data = {
        "version": version,
        "paths-TOTAL_FORMS": str(len(rows)),
        "paths-INITIAL_FORMS": str(initial),
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"paths-{index}-{key}"] = value
    return data


def test_contact_paths_add_and_delete_through_the_web(plan, alice_client):
    url = reverse("plans:contact_paths", kwargs={"pk": plan.participant_id})
    page = alice_client.get(url)
    assert page.context["formset"].total_form_count() == 3
    rows = [
        {"actor": "Psykiatrimottagningen", "how": "08-123", "DELETE": "on"},
        {"actor": "Socialtjänsten", "person": "Eva", "how": "08-456", "when": "vardagar"},
        {"actor": "", "how": ""},
    ]
    response = alice_client.post(url, _paths_data(plan.version, rows, 1))
    assert response.status_code == 302
    assert list(ContactPath.objects.values_list("actor", "person", "how", "when")) == [
        ("Socialtjänsten", "Eva", "08-456", "vardagar")
    ]


def test_a_contact_path_needs_how_to_reach(plan, alice_client):
    url = reverse("plans:contact_paths", kwargs={"pk": plan.participant_id})
    rows = [{"actor": "Psykiatrimottagningen", "how": ""}]
    response = alice_client.post(url, _paths_data(plan.version, rows, 1))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["how"]
    assert ContactPath.objects.get().how == "08-123"


def test_establish_through_the_web(plan, alice_client):
    url = reverse("plans:plan_establish", kwargs={"pk": plan.participant_id})
    response = alice_client.post(
        url, {"version": plan.version, "established_on": "2026-07-10"}, follow=True
    )
    assert "The plan was established." in response.content.decode()
    plan.refresh_from_db()
    assert plan.established_on == date(2026, 7, 10)
    assert "Established in time" in response.content.decode()


def test_establish_through_the_web_says_what_is_missing(participant, alice_client):
    url = reverse("plans:plan_establish", kwargs={"pk": participant.pk})
    response = alice_client.post(url, {"version": 0, "established_on": "2026-07-10"}, follow=True)
    text = response.content.decode()
    assert "Add at least one goal with a sub-goal." in text
    assert "Add at least one contact path." in text


def test_two_clients_edit_the_same_plan_the_second_gets_a_conflict(plan, alice, tess):
    url = reverse("plans:contact_paths", kwargs={"pk": plan.participant_id})
    first, second = english_client(alice), english_client(tess)
    version_first = first.get(url).context["form"]["version"].value()
    version_second = second.get(url).context["form"]["version"].value()
    assert version_first == version_second == plan.version

    rows = [{"actor": "Alices aktör", "how": "070-1"}]
    assert first.post(url, _paths_data(version_first, rows, 1)).status_code == 302
    rows = [{"actor": "Tess aktör", "how": "070-2"}]
    response = second.post(url, _paths_data(version_second, rows, 1))

    assert response.status_code == 409
    text = response.content.decode()
    assert "Someone else saved this plan while you were editing it." in text
    assert "Tess aktör" in text  # what the second person typed is shown again
    assert list(ContactPath.objects.values_list("actor", flat=True)) == ["Alices aktör"]


def test_two_clients_goal_edits_conflict(plan, alice, tess):
    goal = plan.goals.get()
    url = reverse("plans:goal_edit", kwargs={"pk": plan.participant_id, "goal_pk": goal.pk})
    first, second = english_client(alice), english_client(tess)
    loaded = first.get(url).context["form"]["version"].value()
    assert second.get(url).status_code == 200
    rows = [{"title": "Steg", "status": "open"}]
    assert first.post(url, _goal_edit_data(loaded, "Först", rows, 1)).status_code == 302
    response = second.post(url, _goal_edit_data(loaded, "Sedan", rows, 1))
    assert response.status_code == 409
    goal.refresh_from_db()
    assert goal.title == "Först"


def test_two_clients_on_the_plan_page_delete_then_establish(plan, alice, tess):
    page = reverse("plans:plan", kwargs={"pk": plan.participant_id})
    first, second = english_client(alice), english_client(tess)
    loaded = first.get(page).context["version"]
    assert second.get(page).context["version"] == loaded
    goal = plan.goals.get()
    delete = reverse("plans:goal_delete", kwargs={"pk": plan.participant_id, "goal_pk": goal.pk})
    assert first.post(delete, {"version": loaded, "confirmed": "yes"}).status_code == 302

    establish = reverse("plans:plan_establish", kwargs={"pk": plan.participant_id})
    response = second.post(
        establish, {"version": loaded, "established_on": "2026-07-10"}, follow=True
    )
    assert "Someone else saved this plan while you were editing it." in (response.content.decode())
    plan.refresh_from_db()
    assert plan.established_on is None
    assert not Goal.objects.exists()


def test_edit_pages_log_the_view(plan, alice_client):
    goal = plan.goals.get()
    alice_client.get(
        reverse("plans:goal_edit", kwargs={"pk": plan.participant_id, "goal_pk": goal.pk})
    )
    alice_client.get(reverse("plans:contact_paths", kwargs={"pk": plan.participant_id}))
    details = set(
        AccessEvent.objects.filter(action="view", object_id=str(plan.participant_id)).values_list(
            "detail", flat=True
        )
    )
    assert {f"plan goal {goal.pk}", "plan contact paths"} <= details


def test_the_history_page_lists_revisions_newest_first(plan, alice, alice_client):
    _establish(plan.participant, alice, on=date(2026, 7, 10))
    response = alice_client.get(reverse("plans:plan_history", kwargs={"pk": plan.participant_id}))
    text = response.content.decode()
    assert text.index("Version 3") < text.index("Version 2") < text.index("Version 1")
    for expected in ("Established", "Contact paths saved", "Goal added", "Alice"):
        assert expected in text
    assert "Ställa sig i bostadskön (Open)" in text
    assert "Established on 2026-07-10" in text


def test_the_plan_page_query_count_does_not_grow_with_goals(
    plan, alice, alice_client, django_assert_num_queries
):
    url = reverse("plans:plan", kwargs={"pk": plan.participant_id})
    alice_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one_goal:
        alice_client.get(url)
    for number in range(6):
        services.goal_create(
            participant=plan.participant,
            title=f"Mål {number}",
            first_sub_goal=f"Delmål {number}",
            expected_version=version_of(plan.participant),
            actor=alice,
        )
    # 21: the Intern-SIP actions linked to the plan's goals are read once (issue 16).
    assert len(one_goal) <= 21
    with django_assert_num_queries(len(one_goal)):
        response = alice_client.get(url)
    assert response.status_code == 200
    assert "Mål 5" in response.content.decode()
