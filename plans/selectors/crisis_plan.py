"""Reading the crisis and safety plan: the plan, its case-file shape and its history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from participants.models import Participant
from plans.models import CrisisPlan, PlanRevision


def crisis_plan_of(participant: Participant) -> CrisisPlan | None:
    """The participant's crisis plan with its chain, or None before the first save."""
    return CrisisPlan.objects.filter(participant=participant).prefetch_related("chain").first()


def crisis_plan_missing(participant: Participant) -> bool:
    """Whether the participant needs a crisis plan (``crisis_relevant``) and has none
    established yet: the prompt every page of theirs shows."""
    if not participant.crisis_relevant:
        return False
    try:
        plan = participant.crisis_plan
    except CrisisPlan.DoesNotExist:
        return True
    return not plan.is_established


def crisis_plan_content(crisis_plan: CrisisPlan) -> dict[str, Any]:
    """The crisis plan in the case-file JSON shape (also the revision snapshot)."""
    return {
        "established_on": (
            crisis_plan.established_on.isoformat() if crisis_plan.established_on else None
        ),
        "warning_signs": crisis_plan.warning_signs,
        "own_strategies": crisis_plan.own_strategies,
        "people_to_contact": crisis_plan.people_to_contact,
        "professional_contacts": crisis_plan.professional_contacts,
        "responsibility_chain": [
            {
                "order": link.order,
                "who": link.who,
                "how_to_reach": link.how_to_reach,
                "when": link.when,
            }
            for link in crisis_plan.chain.order_by("order", "id")
        ],
    }


def crisis_plan_history(participant: Participant) -> QuerySet[PlanRevision]:
    """Saved versions of the crisis plan, newest first."""
    return PlanRevision.objects.filter(
        participant=participant, kind=PlanRevision.Kind.CRISIS_PLAN
    ).select_related("saved_by")
