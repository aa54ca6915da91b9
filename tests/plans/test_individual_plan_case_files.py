"""The ``plan`` and ``prioritised_contacts`` parts of the case file: export, import through
the services, errors named by case and field, and a round trip to identical JSON."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from consent.case_files import sections
from participants.models import Participant
from participants.services import participant_register
from plans.models import ContactPath, IndividualPlan, PrioritisedContact, SubGoal
from plans.services import individual_plan as plan_services
from plans.services.prioritised_contacts import arguments_of, prioritised_contact_create
from tests.consent.helpers import INTAKE
from tests.consent.test_case_files import export, file_of, import_errors, run_import, valid_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PLAN = {
    "established_on": "2026-07-10",
    "goals": [
        {
            "title": "Egen lägenhet",
            "sub_goals": [
                {"title": "Ställa sig i bostadskön", "status": "achieved"},
                {"title": "Visning", "status": "open"},
            ],
        },
        {"title": "Arbete", "sub_goals": [{"title": "Träffa coach", "status": "dropped"}]},
    ],
    "contact_paths": [
        {"actor": "Psykiatrimottagningen", "person": "Eva", "how": "08-123", "when": "vardagar"},
        {"actor": "Socialtjänsten", "person": "", "how": "08-456", "when": ""},
    ],
}


@pytest.fixture
def planned(alice, ada, hela_manniskan, district):
    """A participant with an established plan and three prioritised contacts."""
    participant = participant_register(
        organisation=hela_manniskan,
        actor=alice,
        reference="HM-0001",
        display_name="Kim Åberg",
        **INTAKE,
    )
    plan_services.plan_import(participant=participant, content=PLAN, actor=alice)
    goal = participant.individual_plan.goals.first()
    plan_services.goal_update(
        goal=goal,
        title="Egen lägenhet i Älvsjö",
        sub_goals=[{"title": "Ställa sig i bostadskön", "status": "achieved"}],
        expected_version=participant.individual_plan.version,
        actor=alice,
    )
    for values in (
        {"actor_kind": "healthcare", "actor": "Vårdcentralen", "planned_on": date(2026, 7, 1)},
        {
            "actor_kind": "social_services",
            "actor": "Ekonomiskt bistånd",
            "planned_on": date(2026, 6, 20),
            "status": "completed",
            "completed_on": date(2026, 6, 22),
        },
        {
            "actor_kind": "other",
            "actor": "Kyrkan",
            "planned_on": timezone.localdate() + timedelta(days=30),
            "status": "cancelled",
        },
    ):
        prioritised_contact_create(participant=participant, actor=alice, **arguments_of(values))
    # A second participant with no plan at all.
    participant_register(organisation=hela_manniskan, actor=alice, reference="HM-0002", **INTAKE)
    return participant


def test_export_shape(planned):
    first, second = json.loads(export())["cases"]
    assert first["plan"]["established_on"] == "2026-07-10"
    assert first["plan"]["goals"][0] == {
        "title": "Egen lägenhet i Älvsjö",
        "sub_goals": [{"title": "Ställa sig i bostadskön", "status": "achieved"}],
    }
    assert first["plan"]["contact_paths"] == PLAN["contact_paths"]
    assert [c["actor"] for c in first["prioritised_contacts"]] == [
        "Ekonomiskt bistånd",
        "Vårdcentralen",
        "Kyrkan",
    ]
    assert first["prioritised_contacts"][0] == {
        "actor_kind": "social_services",
        "actor": "Ekonomiskt bistånd",
        "planned_on": "2026-06-20",
        "status": "completed",
        "completed_on": "2026-06-22",
    }
    assert second["plan"] is None
    assert second["prioritised_contacts"] == []


def test_export_import_export_round_trips(planned, tmp_path):
    exported = export()
    original = copy.deepcopy(json.loads(exported))
    Participant.objects.all().delete()
    assert not IndividualPlan.objects.exists()
    output = run_import(tmp_path, exported)
    assert "3 prioritised_contacts" in output
    assert export() == exported
    assert json.loads(export()) == original


def test_import_keeps_an_imported_revision(tmp_path, ada, alice, district):
    case = valid_case()
    case["plan"] = PLAN
    run_import(tmp_path, file_of(case))
    plan = IndividualPlan.objects.get()
    assert plan.established_on == date(2026, 7, 10)
    assert SubGoal.objects.count() == 3
    assert ContactPath.objects.count() == 2
    revision = plan.participant.plan_revisions.get()
    assert (revision.action, revision.version, revision.content) == ("imported", 1, PLAN)


def test_shape_errors_name_case_and_field(tmp_path, ada, alice, district):
    case = valid_case("HM-0100")
    case["plan"] = {
        "established_on": "10 juli",
        "goals": [{"title": 5, "sub_goals": [{"title": "Steg", "status": "done"}]}, "mål"],
        "contact_paths": [{"actor": "Socialtjänsten"}],
        "owner": "x",
    }
    case["prioritised_contacts"] = [
        {"actor_kind": "police", "actor": "Polisen", "planned_on": "2026-07-01"},
        {"actor": "Vården", "planned_on": "2026-07-01", "completed_on": 3},
    ]
    errors = import_errors(tmp_path, file_of(case))
    prefix = "cases[0] (HM-0100)"
    assert f"{prefix} plan.established_on: must be a date written YYYY-MM-DD" in errors
    assert f"{prefix} plan.owner: unknown field" in errors
    assert f"{prefix} plan.goals[0].title: must be a string" in errors
    assert any(
        e.startswith(f"{prefix} plan.goals[0].sub_goals[0].status: unknown value 'done'")
        for e in errors
    )
    assert f"{prefix} plan.goals[1]: must be an object" in errors
    assert f"{prefix} plan.contact_paths[0].how: is required" in errors
    assert any(
        e.startswith(f"{prefix} prioritised_contacts[0].actor_kind: unknown value 'police'")
        for e in errors
    )
    assert f"{prefix} prioritised_contacts[1].actor_kind: is required" in errors
    assert f"{prefix} prioritised_contacts[1].completed_on: must be a date written YYYY-MM-DD" in (
        errors
    )
    assert not Participant.objects.filter(reference="HM-0100").exists()


def test_rule_errors_name_case_and_field(tmp_path, ada, alice, district):
    case = valid_case("HM-0100")
    case["plan"] = {
        "established_on": "2026-07-10",
        "goals": [{"title": "Egen lägenhet", "sub_goals": []}],
        "contact_paths": [{"actor": "Socialtjänsten", "how": "  "}],
    }
    case["prioritised_contacts"] = [
        {"actor_kind": "healthcare", "actor": "Vården", "planned_on": "2026-05-01"},
        {
            "actor_kind": "healthcare",
            "actor": "Vården",
            "planned_on": "2026-07-01",
            "status": "planned",
            "completed_on": "2026-07-02",
        },
    ]
    errors = import_errors(tmp_path, file_of(case))
    prefix = "cases[0] (HM-0100)"
    assert (
        f"{prefix} plan.goals[0].sub_goals: A goal needs at least one sub-goal: add one, or "
        "delete the whole goal."
    ) in errors
    assert f"{prefix} plan.contact_paths[0].how: This field cannot be blank." in errors
    assert (
        f"{prefix} prioritised_contacts[0].planned_on: The planned date cannot be before the "
        "intervention started (2026-06-01)."
    ) in errors
    assert any(
        e.startswith(f"{prefix} prioritised_contacts[1].completed_on: Only a") for e in errors
    )
    assert not IndividualPlan.objects.exists()
    assert not PrioritisedContact.objects.exists()


def test_an_established_plan_needs_its_parts_and_a_past_date(tmp_path, ada, alice, district):
    case = valid_case("HM-0100")
    case["plan"] = {"established_on": "2026-07-10", "goals": [], "contact_paths": []}
    errors = import_errors(tmp_path, file_of(case))
    assert "cases[0] (HM-0100) plan.established_on: Add at least one goal with a sub-goal." in (
        errors
    )
    assert "cases[0] (HM-0100) plan.established_on: Add at least one contact path." in errors

    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    case["plan"] = {**PLAN, "established_on": future}
    errors = import_errors(tmp_path, file_of(case))
    assert (
        "cases[0] (HM-0100) plan.established_on: The plan cannot be established on a date in "
        "the future."
    ) in errors
    assert not IndividualPlan.objects.exists()


def test_a_draft_plan_may_be_empty(tmp_path, ada, alice, district):
    case = valid_case()
    case["plan"] = {"established_on": None, "goals": [], "contact_paths": []}
    run_import(tmp_path, file_of(case))
    assert IndividualPlan.objects.get().established_on is None


def test_labels_for_the_readable_pdf(planned):
    case = json.loads(export())["cases"][0]
    sections.add_labels(case)
    assert case["plan"]["goals"][0]["sub_goals"][0]["status_label"] == "Achieved"
    assert case["prioritised_contacts"][0]["actor_kind_label"] == "Social services"
    assert case["prioritised_contacts"][0]["status_label"] == "Completed"
