"""The crisis and safety plan: saving, the chain's order, establishing, locking, history."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cm_portal.models import AccessEvent
from participants.models import Participant
from plans.models import CrisisPlan, PlanRevision, ResponsibilityLink
from plans.selectors.crisis_plan import crisis_plan_content, crisis_plan_missing
from plans.services.crisis_plan import crisis_plan_establish, crisis_plan_import, crisis_plan_save
from plans.services.versioning import PlanConflict

from .helpers_crisis_plan import CHAIN, TEXTS, crisis_plan_of, edit_post, english_client
from .helpers_crisis_plan import participant_of as _participant_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
TODAY = "2026-11-23 10:00+01:00"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def participant(request):
    return _participant_of(request.getfixturevalue)


@pytest.fixture
def plan(request):
    return crisis_plan_of(request.getfixturevalue)


def _url(name, participant):
    return reverse(f"plans:{name}", kwargs={"pk": participant.pk})


# --- services -------------------------------------------------------------------------


def test_first_save_creates_version_1_with_a_revision(participant, alice):
    plan = crisis_plan_save(
        participant=participant, values=TEXTS, chain=CHAIN, expected_version=0, actor=alice
    )
    assert plan.version == 1
    assert plan.warning_signs == TEXTS["warning_signs"]
    revision = PlanRevision.objects.get(participant=participant)
    assert revision.kind == PlanRevision.Kind.CRISIS_PLAN
    assert revision.version == 1
    assert revision.action == "saved"
    assert revision.content == crisis_plan_content(plan)
    assert revision.content["responsibility_chain"][0] == {
        "order": 1,
        "who": "Case manager",
        "how_to_reach": "070-000 00 00",
        "when": "Office hours",
    }
    event = AccessEvent.objects.filter(action=AccessEvent.Action.CHANGE).order_by("id").last()
    assert event.detail == "crisis plan"
    assert event.object_id == str(participant.pk)


def test_chain_is_renumbered_in_the_order_given(participant, alice):
    chain = [
        {"order": 7, "who": "C", "how_to_reach": "c"},
        {"order": 2, "who": "A", "how_to_reach": "a"},
        {"order": None, "who": "D", "how_to_reach": "d"},
        {"order": 5, "who": "B", "how_to_reach": "b"},
    ]
    plan = crisis_plan_save(
        participant=participant, values={}, chain=chain, expected_version=0, actor=alice
    )
    assert [(link.order, link.who) for link in plan.chain.all()] == [
        (1, "A"),
        (2, "B"),
        (3, "C"),
        (4, "D"),
    ]


def test_a_link_needs_who_and_how_to_reach(participant, alice):
    with pytest.raises(ValidationError) as error:
        crisis_plan_save(
            participant=participant,
            values={},
            chain=[{"who": "Case manager", "how_to_reach": ""}],
            expected_version=0,
            actor=alice,
        )
    assert "chain" in error.value.error_dict
    assert not CrisisPlan.objects.exists()


def test_establish_needs_a_link(participant, alice):
    plan = crisis_plan_save(
        participant=participant, values=TEXTS, chain=[], expected_version=0, actor=alice
    )
    with pytest.raises(ValidationError, match="at least one link"):
        crisis_plan_establish(
            participant=participant,
            established_on=date(2026, 6, 10),
            expected_version=plan.version,
            actor=alice,
        )
    plan.refresh_from_db()
    assert plan.established_on is None


@pytest.mark.parametrize(
    ("day", "message"),
    [(date(2026, 11, 24), "in the future"), (date(2026, 5, 31), "before the intervention")],
)
def test_establish_date_rules(plan, participant, alice, day, message):
    with pytest.raises(ValidationError, match=message):
        crisis_plan_establish(
            participant=participant,
            established_on=day,
            expected_version=plan.version,
            actor=alice,
        )


def test_establish_on_the_start_day_and_today(plan, participant, alice):
    plan = crisis_plan_establish(
        participant=participant,
        established_on=date(2026, 6, 1),
        expected_version=plan.version,
        actor=alice,
    )
    assert plan.established_on == date(2026, 6, 1)
    assert plan.version == 2
    plan = crisis_plan_establish(
        participant=participant,
        established_on=date(2026, 11, 23),
        expected_version=plan.version,
        actor=alice,
    )
    assert plan.established_on == date(2026, 11, 23)
    assert list(
        PlanRevision.objects.filter(participant=participant).values_list("action", flat=True)
    ) == ["established", "established", "saved"]


def test_established_plan_keeps_at_least_one_link(plan, participant, alice):
    plan = crisis_plan_establish(
        participant=participant,
        established_on=date(2026, 6, 10),
        expected_version=plan.version,
        actor=alice,
    )
    with pytest.raises(ValidationError, match="at least one link"):
        crisis_plan_save(
            participant=participant,
            values=TEXTS,
            chain=[],
            expected_version=plan.version,
            actor=alice,
        )
    assert ResponsibilityLink.objects.filter(crisis_plan=plan).count() == 2


def test_stale_version_is_refused_and_the_first_edit_kept(plan, participant, alice, tess):
    loaded = plan.version
    crisis_plan_save(
        participant=participant,
        values={"warning_signs": "First"},
        chain=CHAIN,
        expected_version=loaded,
        actor=alice,
    )
    with pytest.raises(PlanConflict):
        crisis_plan_save(
            participant=participant,
            values={"warning_signs": "Second"},
            chain=CHAIN,
            expected_version=loaded,
            actor=tess,
        )
    plan.refresh_from_db()
    assert plan.warning_signs == "First"
    assert plan.version == loaded + 1


def test_a_second_first_save_conflicts(plan, participant, alice):
    with pytest.raises(PlanConflict):
        crisis_plan_save(
            participant=participant, values={}, chain=CHAIN, expected_version=0, actor=alice
        )


def test_import_uses_the_same_rules(participant, alice):
    content = {
        "established_on": "2026-07-20",
        **TEXTS,
        "responsibility_chain": [],
    }
    with pytest.raises(ValidationError, match="at least one link"):
        crisis_plan_import(participant=participant, content=content, actor=alice)
    content["responsibility_chain"] = [
        {"order": 1, "who": "Case manager", "how_to_reach": "070", "when": "office hours"}
    ]
    plan = crisis_plan_import(participant=participant, content=content, actor=alice)
    assert crisis_plan_content(plan) == content


# --- pages ----------------------------------------------------------------------------


def test_page_without_a_plan_explains_and_logs_the_view(participant, alice):
    response = english_client(alice).get(_url("crisis_plan", participant))
    assert response.status_code == 200
    assert b"No crisis and safety plan yet" in response.content
    assert b"2026-07-27" in response.content  # D2 = start + 56 days
    event = AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).order_by("id").last()
    assert event.detail == "crisis plan"
    assert event.object_id == str(participant.pk)


def test_crisis_relevant_participant_is_prompted(participant, alice):
    participant.crisis_relevant = True
    participant.save()
    response = english_client(alice).get(_url("crisis_plan", participant))
    assert b"needs a crisis and safety plan" in response.content


def test_the_missing_crisis_plan_prompt_is_the_selectors_rule(participant, alice):
    """Who is prompted is decided by ``crisis_plan_missing``, which the page's nav asks."""
    assert not crisis_plan_missing(participant)  # not crisis relevant
    participant.crisis_relevant = True
    participant.save()
    participant = Participant.objects.get(pk=participant.pk)
    assert crisis_plan_missing(participant)  # no plan at all
    plan = crisis_plan_save(
        participant=participant, values=TEXTS, chain=CHAIN, expected_version=0, actor=alice
    )
    assert crisis_plan_missing(Participant.objects.get(pk=participant.pk))  # a draft
    crisis_plan_establish(
        participant=participant,
        established_on=date(2026, 6, 10),
        expected_version=plan.version,
        actor=alice,
    )
    assert not crisis_plan_missing(Participant.objects.get(pk=participant.pk))


def test_edit_form_creates_the_plan_and_skips_empty_rows(participant, alice):
    client = english_client(alice)
    assert client.get(_url("crisis_plan_edit", participant)).status_code == 200
    chain = [
        {"order": "2", "who": "Second", "how_to_reach": "b", "when": ""},
        {"order": "1", "who": "First", "how_to_reach": "a", "when": "nights"},
        {"order": "", "who": "", "how_to_reach": "", "when": ""},
        {"order": "3", "who": "Deleted", "how_to_reach": "x", "when": "", "DELETE": "on"},
    ]
    response = client.post(
        _url("crisis_plan_edit", participant), edit_post(None, chain, warning_signs="Signs")
    )
    assert response.status_code == 302
    plan = CrisisPlan.objects.get(participant=participant)
    assert plan.warning_signs == "Signs"
    assert [(link.order, link.who) for link in plan.chain.all()] == [(1, "First"), (2, "Second")]
    page = client.get(_url("crisis_plan", participant))
    assert b"The crisis and safety plan was saved." in page.content
    assert b"First" in page.content


def test_edit_form_shows_row_errors(plan, participant, alice):
    chain = [{"order": "1", "who": "Someone", "how_to_reach": "", "when": ""}]
    response = english_client(alice).post(
        _url("crisis_plan_edit", participant), edit_post(plan, chain)
    )
    assert response.status_code == 200
    assert b"Say how to reach them" in response.content
    plan.refresh_from_db()
    assert plan.version == 1


def test_a_garbled_version_is_said_on_the_page_and_nothing_stored(plan, participant, alice):
    """The version is a hidden field: its error would otherwise be shown nowhere."""
    data = {**edit_post(plan, CHAIN, warning_signs="Changed"), "version": "<b>x</b>"}

    response = english_client(alice).post(_url("crisis_plan_edit", participant), data)

    assert response.status_code == 200
    assert b"The form could not be read. Open the page again" in response.content
    plan.refresh_from_db()
    assert (plan.version, plan.warning_signs) == (1, TEXTS["warning_signs"])


def test_two_clients_second_save_gets_the_conflict(plan, participant, alice, tess):
    first, second = english_client(alice), english_client(tess)
    first_form = first.get(_url("crisis_plan_edit", participant))
    second.get(_url("crisis_plan_edit", participant))
    assert first_form.context["form"].initial["version"] == 1
    assert (
        first.post(
            _url("crisis_plan_edit", participant),
            edit_post(plan, CHAIN, warning_signs="Alice's edit"),
        ).status_code
        == 302
    )
    response = second.post(
        _url("crisis_plan_edit", participant), edit_post(plan, CHAIN, warning_signs="Tess's edit")
    )
    assert response.status_code == 200
    assert b"Someone else saved this plan" in response.content
    assert "Tess&#x27;s edit" in response.content.decode()  # the input is shown again
    plan.refresh_from_db()
    assert plan.warning_signs == "Alice's edit"
    assert plan.version == 2


def test_establish_form_and_refusal_messages(participant, alice):
    client = english_client(alice)
    crisis_plan_save(
        participant=participant, values=TEXTS, chain=[], expected_version=0, actor=alice
    )
    response = client.post(
        _url("crisis_plan_establish", participant),
        {"version": 1, "established_on": "2026-06-10"},
        follow=True,
    )
    assert b"at least one link" in response.content
    assert CrisisPlan.objects.get().established_on is None


def test_establish_by_form_then_history(plan, participant, alice):
    client = english_client(alice)
    response = client.post(
        _url("crisis_plan_establish", participant),
        {"version": plan.version, "established_on": "2026-06-10"},
        follow=True,
    )
    assert b"The crisis and safety plan is established." in response.content
    assert b"Established on 2026-06-10" in response.content
    assert b"Established in time" in response.content
    history = client.get(_url("crisis_plan_history", participant))
    assert history.status_code == 200
    assert [r.version for r in history.context["revisions"]] == [2, 1]
    assert b"Psychiatric emergency" in history.content
    event = AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).order_by("id").last()
    assert event.detail == "crisis plan history"


def test_establish_get_is_405_for_those_with_access(plan, participant, alice):
    response = english_client(alice).get(_url("crisis_plan_establish", participant))
    assert response.status_code == 405


def test_establish_in_the_future_by_form_is_refused_with_a_message(plan, participant, alice):
    response = english_client(alice).post(
        _url("crisis_plan_establish", participant),
        {"version": plan.version, "established_on": "2026-11-24"},
        follow=True,
    )
    assert b"cannot be in the future" in response.content
    plan.refresh_from_db()
    assert plan.established_on is None
    assert plan.version == 1
