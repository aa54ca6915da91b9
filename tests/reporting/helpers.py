"""Builders for the KPI tests: rows written straight with the ORM (the services are tested
elsewhere; here only the counting matters, and many rows are needed)."""

from __future__ import annotations

import itertools
from datetime import date

from participants.models import ActivityRecord, Participant
from plans.models import (
    CrisisPlan,
    IndividualPlan,
    PrioritisedContact,
    ResponsibilityLink,
    SelfRating,
)
from tests.factories import default_programme

_numbers = itertools.count(1)


def activity_record(
    organisation, kind: str, day: date, *, minutes: int, **counts
) -> ActivityRecord:
    """An activity of the default programme (a drop-in, an information session, outreach);
    ``counts``: people_reached, first_time_visitors."""
    return ActivityRecord.objects.create(
        programme=default_programme(),
        organisation=organisation,
        kind=kind,
        date=day,
        duration_minutes=minutes,
        **counts,
    )


def person(
    organisation,
    *,
    start: date,
    end: date | None = None,
    gender: str = "woman",
    birth_year: int | None = None,
    crisis: bool = False,
    programme=None,
) -> Participant:
    return Participant.objects.create(
        organisation=organisation,
        programme=programme or organisation.programmes.get(),
        reference=f"K-{next(_numbers)}",
        birth_year=birth_year if birth_year is not None else start.year - 20,
        gender=gender,
        entry_path="outreach",
        crisis_relevant=crisis,
        intervention_start=start,
        intervention_end=end,
        end_reason="done" if end else "",
    )


def plan(participant: Participant, established_on: date | None) -> IndividualPlan:
    return IndividualPlan.objects.create(participant=participant, established_on=established_on)


def crisis_plan(participant: Participant, established_on: date | None, *, links: int = 1):
    crisis = CrisisPlan.objects.create(participant=participant, established_on=established_on)
    for order in range(1, links + 1):
        ResponsibilityLink.objects.create(
            crisis_plan=crisis, order=order, who="Ward", how_to_reach="Phone"
        )
    return crisis


def prioritised(
    participant: Participant,
    planned_on: date,
    *,
    status: str = "planned",
    completed_on: date | None = None,
) -> PrioritisedContact:
    return PrioritisedContact.objects.create(
        participant=participant,
        actor_kind="healthcare",
        actor="Clinic",
        planned_on=planned_on,
        status=status,
        completed_on=completed_on,
    )


def rating(
    participant: Participant,
    phase: str,
    rated_on: date,
    *,
    ucla: tuple[int, int, int] = (2, 2, 2),
    participation: int = 3,
) -> SelfRating:
    return SelfRating.objects.create(
        participant=participant,
        phase=phase,
        rated_on=rated_on,
        ucla_1=ucla[0],
        ucla_2=ucla[1],
        ucla_3=ucla[2],
        participation=participation,
    )


def counts(figures: dict, *keys: str) -> dict:
    return {key: figures[key] for key in keys}
