"""The goal catalogue's validation, the programme's own checks, goal history and intake."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cm_portal.models import Role
from cm_portal.programmes.goals import CATALOGUE, GoalKind, validate_parameters
from cm_portal.programmes.models import ProgrammeGoalChange
from cm_portal.programmes.services import (
    programme_create,
    programme_for_intake,
    programme_goal_remove,
    programme_goal_set,
    programme_members_set,
    programme_phases_set,
)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_catalogue_has_the_six_kinds_of_the_issue():
    assert list(CATALOGUE) == [
        "participants_reached",
        "plan_within_window",
        "prioritised_contacts_by_horizon",
        "self_rating_improved",
        "crisis_plan_within_window",
        "intern_sip_offered",
    ]
    # The JSON keys of docs/kpis.md for the first five.
    assert [spec.json_key for spec in CATALOGUE.values()][1:5] == [
        "plan_within_8_weeks",
        "prioritised_contacts_3_months",
        "self_rating_improved",
        "crisis_plan_within_8_weeks",
    ]


@pytest.mark.parametrize(
    ("kind", "parameters", "field", "message"),
    [
        (
            GoalKind.PLAN_WITHIN_WINDOW,
            {"window_days": 0, "target_percent": 80},
            "window_days",
            "from 1 to 366, not 0",
        ),
        (
            GoalKind.PLAN_WITHIN_WINDOW,
            {"window_days": 56, "target_percent": 140},
            "target_percent",
            "from 1 to 100, not 140",
        ),
        (GoalKind.PLAN_WITHIN_WINDOW, {"target_percent": 80}, "window_days", "needs a window"),
        (
            GoalKind.SELF_RATING_IMPROVED,
            {"target_percent": 60, "window_days": 5},
            "window_days",
            "has no window",
        ),
        (GoalKind.PARTICIPANTS_REACHED, {"target": -3}, "target", "not -3"),
        (
            GoalKind.PRIORITISED_CONTACTS_BY_HORIZON,
            {"horizon_months": 0, "target_percent": 70},
            "horizon_months",
            "not 0",
        ),
        ("made_up", {}, "kind", "is not a goal kind"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(kind, parameters, field, message):
    with pytest.raises(ValidationError) as caught:
        validate_parameters(kind, parameters)
    assert message in " ".join(caught.value.message_dict[field])


def test_good_parameters_pass():
    assert validate_parameters(
        GoalKind.CRISIS_PLAN_WITHIN_WINDOW, {"window_days": 56, "target_percent": 70}
    ) == {"window_days": 56, "target_percent": 70}


def _programme(**values):
    data = {
        "slug": "next-district",
        "name": "Next district",
        "start": date(2027, 1, 1),
        "end": date(2028, 12, 31),
        "organisations": [OrganisationFactory(programmes=[])],
    }
    return programme_create(**(data | values), actor=None)


def test_programme_refuses_dates_ages_and_bins_out_of_order():
    with pytest.raises(ValidationError, match="last day is before"):
        _programme(start=date(2028, 1, 1), end=date(2027, 1, 1))
    with pytest.raises(ValidationError, match="highest age is below"):
        _programme(age_min=25, age_max=18)
    with pytest.raises(ValidationError, match="ascending"):
        _programme(age_bins=[[22, 25], [18, 21]])
    with pytest.raises(ValidationError, match="at least one organisation"):
        _programme(organisations=[])


def test_the_age_range_gives_the_default_bin():
    assert _programme(age_min=18, age_max=21).age_bins == [[18, 21]]


def test_phases_follow_one_another_from_month_one():
    programme = _programme()
    with pytest.raises(ValidationError, match="should start in month 7"):
        programme_phases_set(
            programme=programme,
            phases=[("a", "A", 1, 6), ("b", "B", 8, 12)],
            actor=None,
        )
    programme_phases_set(
        programme=programme, phases=[("a", "A", 1, 6), ("b", "B", 7, 24)], actor=None
    )
    assert [(p.key, p.first_month, p.last_month) for p in programme.phases.all()] == [
        ("a", 1, 6),
        ("b", 7, 24),
    ]


def test_goal_changes_are_kept_with_who_and_when():
    programme = _programme()
    admin = UserFactory(role=Role.ADMINISTRATOR)

    def set_plan_goal(window_days, target_percent):
        return programme_goal_set(
            programme=programme,
            kind="plan_within_window",
            window_days=window_days,
            target_percent=target_percent,
            actor=admin,
        )

    goal = set_plan_goal(56, 80)
    assert goal.version == 1
    # The same parameters again change nothing.
    assert set_plan_goal(56, 80).version == 1
    goal = set_plan_goal(42, 90)
    assert goal.version == 2
    assert goal.definition()["parameters"] == {"window_days": 42, "target_percent": 90}
    assert programme_goal_remove(programme=programme, kind="plan_within_window", actor=admin)
    history = list(
        ProgrammeGoalChange.objects.filter(programme=programme).values_list(
            "version", "parameters", "removed", "changed_by"
        )
    )
    assert history == [
        (1, {"window_days": 56, "target_percent": 80}, False, admin.pk),
        (2, {"window_days": 42, "target_percent": 90}, False, admin.pk),
        (3, {}, True, admin.pk),
    ]
    # Set again after removal, it continues the count.
    assert (
        programme_goal_set(
            programme=programme,
            kind="plan_within_window",
            window_days=42,
            target_percent=90,
            actor=admin,
        ).version
        == 4
    )


def test_a_goal_with_a_bad_parameter_is_not_stored():
    programme = _programme()
    with pytest.raises(ValidationError):
        programme_goal_set(
            programme=programme,
            kind="plan_within_window",
            window_days=0,
            target_percent=80,
            actor=None,
        )
    assert not programme.goals.exists()


def test_only_steering_and_project_group_members():
    programme = _programme()
    with pytest.raises(ValidationError, match="steering group or a project group"):
        programme_members_set(
            programme=programme, members=[UserFactory(role=Role.CASE_MANAGER)], actor=None
        )
    member = UserFactory(role=Role.PROJECT_GROUP)
    programme_members_set(programme=programme, members=[member], actor=None)
    assert list(member.programmes.all()) == [programme]


def test_intake_chooses_among_the_organisations_programmes(vagledning):
    organisation = OrganisationFactory(programmes=[])
    with pytest.raises(ValidationError, match="takes part in no programme"):
        programme_for_intake(organisation=organisation, programme=None)
    pilot = _programme(organisations=[organisation])
    assert programme_for_intake(organisation=organisation, programme=None) == pilot
    with pytest.raises(ValidationError, match="your organisation takes part in"):
        programme_for_intake(organisation=organisation, programme=vagledning)
    vagledning.organisations.add(organisation)
    with pytest.raises(ValidationError, match="Choose the programme"):
        programme_for_intake(organisation=organisation, programme=None)
    assert programme_for_intake(organisation=organisation, programme=vagledning) == vagledning
