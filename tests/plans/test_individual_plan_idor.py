"""Someone who may not see the participant gets 404 on every plan and prioritised-contact
URL, GET and POST, and nothing changes (security.md 2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_permission_matrix import database_state

from .helpers_individual_plan import english_client, plan_of, prioritised_contact_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(request):
    f = request.getfixturevalue
    plan = plan_of(f)
    contact = prioritised_contact_of(f)
    return plan, plan.goals.get(), contact


def urls(plan, goal, contact) -> list[str]:
    participant = {"pk": plan.participant_id}
    return [
        reverse("plans:plan", kwargs=participant),
        reverse("plans:goal_create", kwargs=participant),
        reverse("plans:goal_edit", kwargs={**participant, "goal_pk": goal.pk}),
        reverse("plans:goal_delete", kwargs={**participant, "goal_pk": goal.pk}),
        reverse("plans:contact_paths", kwargs=participant),
        reverse("plans:plan_establish", kwargs=participant),
        reverse("plans:plan_history", kwargs=participant),
        reverse("plans:prioritised_contacts", kwargs=participant),
        reverse("plans:prioritised_contact_edit", kwargs={**participant, "contact_pk": contact.pk}),
    ]


def post_data(plan) -> dict:
    return {
        "version": plan.version,
        "title": "Intrång",
        "first_sub_goal": "Intrång",
        "established_on": "2026-07-10",
        "sub-TOTAL_FORMS": "1",
        "sub-INITIAL_FORMS": "0",
        "sub-0-title": "Intrång",
        "sub-0-status": "open",
        "paths-TOTAL_FORMS": "1",
        "paths-INITIAL_FORMS": "0",
        "paths-0-actor": "Intrång",
        "paths-0-how": "070",
        "actor_kind": "other",
        "actor": "Intrång",
        "planned_on": "2026-07-20",
        "status": "cancelled",
        "completed_on": "",
    }


@pytest.mark.parametrize("persona", ["bob", "charlie", "dana", "steve", "ada"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_access_answers_404_and_changes_nothing(objects, persona, method, request):
    plan, goal, contact = objects
    client = english_client(request.getfixturevalue(persona))
    before = database_state()
    for url in urls(plan, goal, contact):
        response = getattr(client, method)(url, post_data(plan))
        assert response.status_code == 404, url
    assert database_state() == before


def test_another_participants_goal_or_contact_is_404(objects, alice, hela_manniskan):
    from participants.services import participant_register
    from tests.consent.helpers import INTAKE

    plan, goal, contact = objects
    other = participant_register(organisation=hela_manniskan, actor=alice, **INTAKE)
    client = english_client(alice)
    before = database_state()
    for name, kwargs in (
        ("plans:goal_edit", {"goal_pk": goal.pk}),
        ("plans:goal_delete", {"goal_pk": goal.pk}),
        ("plans:prioritised_contact_edit", {"contact_pk": contact.pk}),
    ):
        url = reverse(name, kwargs={"pk": other.pk, **kwargs})
        assert client.get(url).status_code == 404
        assert client.post(url, post_data(plan)).status_code == 404
    assert database_state() == before
