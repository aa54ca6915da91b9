"""Every write that deadlines depend on asks for a recomputation of that participant's deadlines.

The write services call ``participants.events.case_changed`` in their transaction; the plans
app's listener turns that into an outbox row for ``plans.tasks.recompute_deadlines``. The
rows are looked at before any commit (on-commit callbacks do not run in these tests), so
nothing is published here: ``tests/cm_portal/test_outbox.py`` covers the publishing.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cm_portal.models import OutboxMessage, Role
from consent.case_files import import_case_files
from consent.services import consent_record, consent_withdraw
from participants import services as participant_services
from participants.events import _listeners
from participants.models import Participant
from plans.apps import enqueue_deadline_recomputation
from plans.management.commands.load_demo_cases import (
    CASE_MANAGER_DISTRICT,
    CASE_MANAGER_HM,
    demo_cases,
)
from plans.models import CrisisPlan, IndividualPlan
from plans.services.crisis_plan import crisis_plan_establish, crisis_plan_save
from plans.services.individual_plan import (
    contact_paths_save,
    goal_create,
    goal_delete,
    goal_update,
    plan_establish,
)
from plans.services.meetings import (
    meeting_book,
    meeting_cancel,
    meeting_invitation_record,
    meeting_minutes_record,
)
from plans.services.prioritised_contacts import (
    prioritised_contact_create,
    prioritised_contact_update,
)
from plans.services.self_ratings import (
    self_rating_link_create,
    self_rating_record,
    self_rating_submit,
)
from tests.factories import UserFactory
from tests.participants.factories import close_case, log_contact, register

pytestmark = pytest.mark.django_db

TASK = "plans.tasks.recompute_deadlines"
SCORES = {"ucla_1": 3, "ucla_2": 2, "ucla_3": 1, "participation": 4}


def today():
    return timezone.localdate()


@pytest.fixture
def participant(alice, hela_manniskan):
    return register(hela_manniskan, alice)


@pytest.fixture
def other(alice, hela_manniskan):
    """A second participant: their row must never be the one a write asks for."""
    return register(hela_manniskan, alice, display_name="Sam")


@contextmanager
def asks_for_recompute(participant):
    """The block writes exactly one pending recomputation, for ``participant``."""
    OutboxMessage.objects.all().delete()
    yield
    rows = list(OutboxMessage.objects.values("task_name", "args", "dedupe_key", "published_at"))
    assert rows == [
        {
            "task_name": TASK,
            "args": [participant.pk],
            "dedupe_key": f"deadlines:{participant.pk}",
            "published_at": None,
        }
    ]


def test_the_plans_app_registered_its_listener():
    assert enqueue_deadline_recomputation in _listeners


def test_registering_a_participant(alice, hela_manniskan):
    OutboxMessage.objects.all().delete()
    participant = register(hela_manniskan, alice)
    assert list(OutboxMessage.objects.values_list("args", flat=True)) == [[participant.pk]]


def test_participant_writes(participant, other, alice):
    with asks_for_recompute(participant):
        participant_services.participant_update(
            participant=participant, actor=alice, crisis_relevant=True
        )
    with asks_for_recompute(participant):
        close_case(participant, alice, on=today(), reason_code="moved", reason="Moved")
    with asks_for_recompute(participant):
        participant_services.participant_reopen(participant=participant, actor=alice)


def test_contact_writes(participant, other, alice):
    with asks_for_recompute(participant):
        contact = log_contact(participant, alice)
    with asks_for_recompute(participant):
        participant_services.contact_correct(contact=contact, actor=alice, note="Phone")


def test_consent_writes(participant, other, alice, hela_manniskan):
    with asks_for_recompute(participant):
        consent = consent_record(
            participant=participant,
            actor=alice,
            organisations=[hela_manniskan],
            external_names=["Vårdcentralen Älvsjö"],
            purpose="Samordning",
            signed_on=today() - timedelta(days=10),
            signed_by="participant",
            valid_until=today() + timedelta(days=300),
        )
    with asks_for_recompute(participant):
        consent_withdraw(consent=consent, withdrawn_on=today(), by_whom="participant", actor=alice)


def _plan_version(participant) -> int:
    return IndividualPlan.objects.filter(participant=participant).get().version


def test_individual_plan_writes(participant, other, alice):
    with asks_for_recompute(participant):
        goal = goal_create(
            participant=participant,
            title="Own flat",
            first_sub_goal="Join the housing queue",
            expected_version=0,
            actor=alice,
        )
    with asks_for_recompute(participant):
        goal_update(
            goal=goal,
            title="Own flat",
            sub_goals=[{"title": "Join the housing queue", "status": "achieved"}],
            expected_version=_plan_version(participant),
            actor=alice,
        )
    with asks_for_recompute(participant):
        contact_paths_save(
            participant=participant,
            paths=[{"actor": "Psychiatry", "person": "", "how": "Phone", "when": "Weekdays"}],
            expected_version=_plan_version(participant),
            actor=alice,
        )
    with asks_for_recompute(participant):
        plan_establish(
            participant=participant,
            established_on=today(),
            expected_version=_plan_version(participant),
            actor=alice,
        )
    second = goal_create(
        participant=participant,
        title="Work",
        first_sub_goal="Visit the job centre",
        expected_version=_plan_version(participant),
        actor=alice,
    )
    with asks_for_recompute(participant):
        goal_delete(goal=second, expected_version=_plan_version(participant), actor=alice)


def test_crisis_plan_writes(participant, other, alice):
    with asks_for_recompute(participant):
        plan = crisis_plan_save(
            participant=participant,
            values={"warning_signs": "Stops answering"},
            chain=[{"order": 1, "who": "Case manager", "how_to_reach": "070", "when": "Days"}],
            expected_version=0,
            actor=alice,
        )
    with asks_for_recompute(participant):
        crisis_plan_establish(
            participant=participant,
            established_on=today(),
            expected_version=CrisisPlan.objects.get(pk=plan.pk).version,
            actor=alice,
        )


def test_prioritised_contact_writes(participant, other, alice):
    with asks_for_recompute(participant):
        contact = prioritised_contact_create(
            participant=participant,
            actor=alice,
            actor_kind="healthcare",
            actor_name="Vårdcentralen",
            planned_on=today(),
        )
    with asks_for_recompute(participant):
        prioritised_contact_update(
            contact=contact, actor=alice, status="completed", completed_on=today()
        )


def test_self_rating_writes(participant, other, alice):
    with asks_for_recompute(participant):
        self_rating_record(
            participant=participant, actor=alice, phase="baseline", rated_on=today(), **SCORES
        )
    _link, token = self_rating_link_create(participant=participant, phase="follow_up", actor=alice)
    with asks_for_recompute(participant):
        self_rating_submit(token=token, values=SCORES)


def test_meeting_writes(participant, other, alice):
    booking = {
        "participant": participant,
        "actor": alice,
        "kind": "intern_sip",
        "need": "Housing",
        "units": ["Vuxenenheten"],
        "outside_parties": [],
        "participant_agreed": True,
    }
    with asks_for_recompute(participant):
        held = meeting_book(meeting_on=today(), **booking)
    with asks_for_recompute(participant):
        meeting_invitation_record(meeting=held, sent_on=today(), actor=alice)
    with asks_for_recompute(participant):
        meeting_minutes_record(
            meeting=held,
            chair="Alice",
            minute_taker="Bob",
            minutes="Agreed",
            lead_unit="Vuxenenheten",
            actor=alice,
        )
    cancelled = meeting_book(meeting_on=today() + timedelta(days=20), **booking)
    with asks_for_recompute(participant):
        meeting_cancel(meeting=cancelled, actor=alice)


def test_a_write_that_fails_asks_for_nothing(participant, alice):
    OutboxMessage.objects.all().delete()
    with pytest.raises(ValidationError, match="rated_on"):
        self_rating_record(
            participant=participant,
            actor=alice,
            phase="baseline",
            rated_on=today() + timedelta(days=1),
            **SCORES,
        )
    assert not OutboxMessage.objects.exists()


def test_a_case_file_import_asks_once_per_participant(hela_manniskan, district):
    anna = UserFactory(email=CASE_MANAGER_HM, organisation=hela_manniskan, role=Role.CASE_MANAGER)
    UserFactory(email=CASE_MANAGER_DISTRICT, organisation=district, role=Role.CASE_MANAGER)
    OutboxMessage.objects.all().delete()

    import_case_files(data=demo_cases(today()), actor=anna)

    pending = OutboxMessage.objects.filter(published_at__isnull=True, task_name=TASK)
    assert sorted(pending.values_list("args", flat=True)) == sorted(
        [pk] for pk in Participant.objects.values_list("pk", flat=True)
    )
