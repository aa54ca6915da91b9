"""Builders for the individual plan and prioritised contact tests and matrix rows.

They take ``f`` (``request.getfixturevalue``) and are get-or-create, like
``tests/consent/helpers.py``; the participant is the consent tests' one (alice's, at Hela
Människan, intervention started 2026-06-01).
"""

from __future__ import annotations

from datetime import date

from participants.models import Participant
from plans.models import Goal, IndividualPlan, PrioritisedContact
from plans.services.individual_plan import contact_paths_save, goal_create
from plans.services.prioritised_contacts import prioritised_contact_create
from tests.consent.helpers import consent_participant_of, english_client
from tests.matrix import Fixtures

__all__ = [
    "english_client",
    "goal_of",
    "plan_of",
    "plan_participant_of",
    "prioritised_contact_of",
    "version_of",
]


def plan_participant_of(f: Fixtures) -> Participant:
    return consent_participant_of(f)


def version_of(participant: Participant) -> int:
    plan = IndividualPlan.objects.filter(participant=participant).first()
    return plan.version if plan else 0


def plan_of(f: Fixtures) -> IndividualPlan:
    """A draft plan with one goal (one sub-goal) and one contact path."""
    participant = plan_participant_of(f)
    existing = IndividualPlan.objects.filter(participant=participant).first()
    if existing:
        return existing
    alice = f("alice")
    goal_create(
        participant=participant,
        title="Egen lägenhet",
        first_sub_goal="Ställa sig i bostadskön",
        expected_version=0,
        actor=alice,
    )
    contact_paths_save(
        participant=participant,
        paths=[{"actor": "Psykiatrimottagningen", "person": "", "how": "08-123", "when": ""}],
        expected_version=1,
        actor=alice,
    )
    return IndividualPlan.objects.get(participant=participant)


def goal_of(f: Fixtures) -> Goal:
    return plan_of(f).goals.order_by("pk").first()


def prioritised_contact_of(f: Fixtures) -> PrioritisedContact:
    participant = plan_participant_of(f)
    existing = participant.prioritised_contacts.order_by("pk").first()
    return existing or prioritised_contact_create(
        participant=participant,
        actor=f("alice"),
        actor_kind="healthcare",
        actor_name="Vårdcentralen",
        planned_on=date(2026, 7, 1),
    )
