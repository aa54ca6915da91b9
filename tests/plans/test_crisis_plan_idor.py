"""Someone who may not see the participant gets 404 on every crisis-plan and self-rating
URL, GET and POST, and nothing changes (security.md 2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_permission_matrix import database_state

from .helpers_crisis_plan import CHAIN, crisis_plan_of, edit_post, english_client
from .helpers_self_ratings import ANSWERS, link_of

pytestmark = pytest.mark.django_db


def _urls(participant_pk: int, link_pk: int) -> list[str]:
    kwargs = {"pk": participant_pk}
    return [
        reverse("plans:crisis_plan", kwargs=kwargs),
        reverse("plans:crisis_plan_edit", kwargs=kwargs),
        reverse("plans:crisis_plan_establish", kwargs=kwargs),
        reverse("plans:crisis_plan_history", kwargs=kwargs),
        reverse("plans:self_ratings", kwargs=kwargs),
        reverse("plans:self_rating_link_create", kwargs=kwargs),
        reverse("plans:self_rating_link", kwargs={**kwargs, "link_pk": link_pk}),
    ]


@pytest.mark.parametrize("persona", ["bob", "charlie", "dana", "steve", "ada"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_access_answers_404_and_changes_nothing(persona, method, request):
    f = request.getfixturevalue
    plan = crisis_plan_of(f)
    link = link_of(f)
    data = {
        **edit_post(plan, CHAIN[:1], warning_signs="Intruder"),
        "established_on": "2026-06-10",
        "phase": "baseline",
        "rated_on": "2026-06-05",
        **ANSWERS,
    }
    client = english_client(f(persona))
    before = database_state()
    for url in _urls(plan.participant_id, link.pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, url
    assert database_state() == before


def test_a_link_of_another_participant_is_404(request, alice, hela_manniskan):
    from participants.services import participant_register

    from .helpers_crisis_plan import participant_of

    f = request.getfixturevalue
    link = link_of(f)
    other = participant_register(
        organisation=hela_manniskan,
        actor=alice,
        display_name="Other",
        birth_year=1990,
        gender="man",
        entry_path="outreach",
        crisis_relevant=False,
        intervention_start=participant_of(f).intervention_start,
    )
    url = reverse("plans:self_rating_link", kwargs={"pk": other.pk, "link_pk": link.pk})
    assert english_client(alice).get(url).status_code == 404
