"""Reads of the individual plan shared by its pages, the case file and the PDFs."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from participants.models import Participant
from plans.models import ContactPath, Goal, IndividualPlan, PlanRevision, SubGoal


def plan_of(participant: Participant) -> IndividualPlan | None:
    """The participant's plan with its goals, sub-goals and contact paths, or None.

    A fixed number of queries however many goals the plan has.
    """
    return (
        IndividualPlan.objects.filter(participant=participant)
        .select_related("updated_by")
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.prefetch_related(
                    Prefetch("sub_goals", queryset=SubGoal.objects.order_by("position", "id"))
                ),
            ),
            Prefetch("contact_paths", queryset=ContactPath.objects.order_by("position", "id")),
        )
        .first()
    )


def plan_content(plan: IndividualPlan | None) -> dict[str, Any] | None:
    """The plan in its case-file shape (also what a revision keeps); None for no plan."""
    if plan is None:
        return None
    return {
        "established_on": plan.established_on.isoformat() if plan.established_on else None,
        "goals": [
            {
                "title": goal.title,
                "sub_goals": [
                    {"title": sub_goal.title, "status": sub_goal.status}
                    for sub_goal in goal.sub_goals.all()
                ],
            }
            for goal in plan.goals.all()
        ],
        "contact_paths": [
            {"actor": path.actor, "person": path.person, "how": path.how, "when": path.when}
            for path in plan.contact_paths.all()
        ],
    }


def plan_revisions(participant: Participant) -> QuerySet[PlanRevision]:
    """The individual plan's saved versions, newest first."""
    return PlanRevision.objects.filter(
        participant=participant, kind=PlanRevision.Kind.INDIVIDUAL_PLAN
    ).select_related("saved_by")
