"""Builders for the deadline and reminder tests (no tests here).

The case rows are written straight through the ORM, with any date: the deadline engine reads
dates, and the services' own date rules (no future event dates) are tested by their owners.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

from consent.models import Consent, ConsentParty
from participants.models import Participant
from plans.models import (
    CoordinationMeeting,
    CrisisPlan,
    IndividualPlan,
    PrioritisedContact,
    ResponsibilityLink,
    SelfRating,
)
from tests.participants.factories import register

DISPLAY_NAME = "Kim Deadlinesson"


def participant_from(
    f, *, start: date, crisis: bool = False, end: date | None = None, by: str = "alice"
) -> Participant:
    """A participant of Hela Människan registered (and so assigned to) ``by``, started on
    ``start`` (moved there after registering, so any date will do)."""
    participant = register(
        f("hela_manniskan"), f(by), display_name=DISPLAY_NAME, crisis_relevant=crisis
    )
    Participant.objects.filter(pk=participant.pk).update(
        intervention_start=start, intervention_end=end
    )
    participant.refresh_from_db()
    return participant


def end(participant: Participant, on: date) -> None:
    Participant.objects.filter(pk=participant.pk).update(intervention_end=on)
    participant.refresh_from_db()


def establish_plan(participant: Participant, on: date | None) -> IndividualPlan:
    plan, _created = IndividualPlan.objects.update_or_create(
        participant=participant, defaults={"established_on": on}
    )
    return plan


def crisis_plan(participant: Participant, on: date | None, *, links: int = 1) -> CrisisPlan:
    plan, _created = CrisisPlan.objects.update_or_create(
        participant=participant, defaults={"established_on": on}
    )
    for order in range(1, links + 1):
        ResponsibilityLink.objects.create(
            crisis_plan=plan, order=order, who="Jourhavande", how_to_reach="112"
        )
    return plan


def contact(
    participant: Participant,
    planned_on: date,
    *,
    completed_on: date | None = None,
    cancelled: bool = False,
) -> PrioritisedContact:
    status = "cancelled" if cancelled else ("completed" if completed_on else "planned")
    return PrioritisedContact.objects.create(
        participant=participant,
        actor_kind="healthcare",
        actor="Vårdcentralen",
        planned_on=planned_on,
        status=status,
        completed_on=completed_on,
    )


def rating(participant: Participant, on: date, *, phase: str = "baseline") -> SelfRating:
    return SelfRating.objects.create(
        participant=participant,
        phase=phase,
        rated_on=on,
        ucla_1=2,
        ucla_2=2,
        ucla_3=2,
        participation=3,
    )


def consent(
    f,
    participant: Participant,
    *,
    signed_on: date,
    valid_until: date | None,
    organisations: tuple[str, ...] = ("hela_manniskan",),
    withdrawn_on: date | None = None,
) -> Consent:
    consent = Consent.objects.create(
        participant=participant,
        purpose="Samordning",
        signed_on=signed_on,
        signed_by="participant",
        valid_until=valid_until,
        recorded_by=f("alice"),
        withdrawn_on=withdrawn_on,
    )
    for name in organisations:
        ConsentParty.objects.create(consent=consent, organisation=f(name))
    return consent


def meeting(
    participant: Participant,
    *,
    meeting_on: date,
    booked_on: date,
    invitation_sent_on: date | None = None,
    status: str = "planned",
) -> CoordinationMeeting:
    return CoordinationMeeting.objects.create(
        participant=participant,
        meeting_on=meeting_on,
        invitation_sent_on=invitation_sent_on,
        status=status,
        created_at=dt.datetime.combine(booked_on, dt.time(10), tzinfo=dt.UTC),
    )
