"""Every write to the individual plan: goals, sub-goals, contact paths, establishment.

Each write names the plan ``version`` its form was loaded with (``0`` while there is no
plan yet), bumps it and keeps the whole plan as a revision (``plans.services.versioning``).
An established plan must stay valid: a change that leaves it without a goal with a
sub-goal or without a contact path is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from cm_portal.models import AccessEvent, User
from participants.models import Participant
from plans.models import ContactPath, Goal, IndividualPlan, PlanRevision, SubGoal, SubGoalStatus
from plans.selectors.individual_plan import plan_content, plan_of

from .versioning import (
    PlanConflict,
    established_on_check,
    plan_change_log,
    plan_locked,
    plan_version_save,
)

Action = AccessEvent.Action
KIND = PlanRevision.Kind.INDIVIDUAL_PLAN
PATH_FIELDS = ("actor", "person", "how", "when")

__all__ = [
    "PlanConflict",
    "contact_paths_save",
    "goal_create",
    "goal_delete",
    "goal_update",
    "plan_establish",
    "plan_import",
]


def missing_parts(plan: IndividualPlan) -> list[str]:
    """What the plan lacks to be established, as messages that say what to do."""
    missing = []
    if not SubGoal.objects.filter(goal__plan=plan).exists():
        missing.append(_("Add at least one goal with a sub-goal."))
    if not plan.contact_paths.exists():
        missing.append(_("Add at least one contact path."))
    return missing


def _saved(
    *,
    plan: IndividualPlan,
    participant: Participant,
    actor: User | None,
    action: str,
    log_action: str,
    detail: str,
    client_address: str | None,
) -> IndividualPlan:
    """Check an established plan is still whole, bump the version, keep the revision, log
    it, and have the deadlines recomputed: every write to a plan ends here."""
    if plan.is_established and (missing := missing_parts(plan)):
        raise ValidationError(
            [
                _("An established plan must keep a goal with a sub-goal and a contact path."),
                *missing,
            ],
            code="established_incomplete",
        )
    plan_version_save(
        plan,
        participant=participant,
        kind=KIND,
        content=lambda: plan_content(plan_of(participant)) or {},
        action=action,
        actor=actor,
    )
    plan_change_log(
        plan,
        participant,
        action=log_action,
        actor=actor,
        client_address=client_address,
        detail=detail,
    )
    return plan


def _clean_title(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _sub_goal_objects(goal: Goal, sub_goals: list[dict[str, Any]]) -> list[SubGoal]:
    """Validated sub-goals in order; errors keyed ``sub_goals[i].field``."""
    objects, errors = [], {}
    for index, values in enumerate(sub_goals):
        sub_goal = SubGoal(
            goal=goal,
            position=index,
            title=(values.get("title") or "").strip(),
            status=values.get("status") or SubGoalStatus.OPEN,
        )
        try:
            sub_goal.full_clean(exclude=["goal"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"sub_goals[{index}].{field}"] = messages
        objects.append(sub_goal)
    if not objects:
        errors["sub_goals"] = [
            _("A goal needs at least one sub-goal: add one, or delete the whole goal.")
        ]
    if errors:
        raise ValidationError(errors)
    return objects


def _write_goal(plan: IndividualPlan, title: str, sub_goals: list[dict[str, Any]]) -> Goal:
    position = plan.goals.count()
    goal = Goal(plan=plan, position=position, title=title)
    goal.full_clean(exclude=["plan"])
    objects = _sub_goal_objects(goal, sub_goals)
    goal.save(force_insert=True)
    for sub_goal in objects:
        sub_goal.goal = goal
    SubGoal.objects.bulk_create(objects)
    return goal


def goal_create(
    *,
    participant: Participant,
    title: str,
    first_sub_goal: str,
    expected_version: int,
    actor: User,
    client_address: str | None = None,
) -> Goal:
    """Add a goal with its first sub-goal (a goal never stands without one)."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Write the goal.")]
    if not (first_sub_goal or "").strip():
        errors["first_sub_goal"] = [_("Write a first sub-goal: a goal needs at least one.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = plan_locked(IndividualPlan, participant, expected_version=expected_version)
        goal = _write_goal(plan, title.strip(), [{"title": first_sub_goal}])
        _saved(
            plan=plan,
            participant=participant,
            actor=actor,
            action="goal added",
            log_action=Action.CREATE,
            detail=f"plan goal {goal.pk}",
            client_address=client_address,
        )
    return goal


def goal_update(
    *,
    goal: Goal,
    title: str,
    sub_goals: list[dict[str, Any]],
    expected_version: int,
    actor: User,
    client_address: str | None = None,
) -> Goal:
    """Replace the goal's title and its sub-goals (``title``, ``status``), in this order."""
    participant = goal.plan.participant
    title = _clean_title(title, "title", _("Write the goal."))
    with transaction.atomic():
        plan = plan_locked(IndividualPlan, participant, expected_version=expected_version)
        goal = Goal.objects.select_for_update().get(pk=goal.pk, plan=plan)
        goal.title = title
        goal.full_clean(exclude=["plan"])
        objects = _sub_goal_objects(goal, sub_goals)
        goal.save(update_fields=["title"])
        goal.sub_goals.all().delete()
        SubGoal.objects.bulk_create(objects)
        _saved(
            plan=plan,
            participant=participant,
            actor=actor,
            action="goal changed",
            log_action=Action.CHANGE,
            detail=f"plan goal {goal.pk}",
            client_address=client_address,
        )
    return goal


def goal_delete(
    *,
    goal: Goal,
    expected_version: int,
    actor: User,
    client_address: str | None = None,
) -> None:
    """Remove a goal and its sub-goals (refused if an established plan would lose its last)."""
    participant = goal.plan.participant
    goal_pk = goal.pk
    with transaction.atomic():
        plan = plan_locked(IndividualPlan, participant, expected_version=expected_version)
        Goal.objects.filter(pk=goal_pk, plan=plan).delete()
        _saved(
            plan=plan,
            participant=participant,
            actor=actor,
            action="goal deleted",
            log_action=Action.CHANGE,
            detail=f"plan goal {goal_pk} deleted",
            client_address=client_address,
        )


def _path_objects(plan: IndividualPlan, paths: list[dict[str, Any]]) -> list[ContactPath]:
    objects, errors = [], {}
    for index, values in enumerate(paths):
        path = ContactPath(
            plan=plan,
            position=index,
            **{field: (values.get(field) or "").strip() for field in PATH_FIELDS},
        )
        try:
            path.full_clean(exclude=["plan"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"contact_paths[{index}].{field}"] = messages
        objects.append(path)
    if errors:
        raise ValidationError(errors)
    return objects


def contact_paths_save(
    *,
    participant: Participant,
    paths: list[dict[str, Any]],
    expected_version: int,
    actor: User,
    client_address: str | None = None,
) -> list[ContactPath]:
    """Replace the plan's contact paths (``actor``, ``person``, ``how``, ``when``) in order."""
    with transaction.atomic():
        plan = plan_locked(IndividualPlan, participant, expected_version=expected_version)
        objects = _path_objects(plan, paths)
        plan.contact_paths.all().delete()
        ContactPath.objects.bulk_create(objects)
        _saved(
            plan=plan,
            participant=participant,
            actor=actor,
            action="contact paths saved",
            log_action=Action.CHANGE,
            detail="plan contact paths",
            client_address=client_address,
        )
    return objects


def _check_established_on(participant: Participant, established_on: date | None) -> None:
    established_on_check(
        participant,
        established_on,
        missing=_("Give the date the plan was agreed."),
        in_future=_("The plan cannot be established on a date in the future."),
        before_start=_(
            "The plan cannot be established before the intervention started "
            "(%(start)s). Give a later date."
        ),
    )


def plan_establish(
    *,
    participant: Participant,
    established_on: date,
    expected_version: int,
    actor: User,
    client_address: str | None = None,
) -> IndividualPlan:
    """Set the date the plan was agreed with the participant.

    Refused, saying what is missing, unless there is a goal with a sub-goal and a contact path.
    """
    _check_established_on(participant, established_on)
    with transaction.atomic():
        plan = plan_locked(IndividualPlan, participant, expected_version=expected_version)
        if plan.established_on is not None:
            raise ValidationError(
                _("The plan was already established on %(date)s.")
                % {"date": formats.date_format(plan.established_on, "Y-m-d")},
                code="already_established",
            )
        if missing := missing_parts(plan):
            raise ValidationError(missing, code="incomplete")
        plan.established_on = established_on
        plan.save(update_fields=["established_on"])
        _saved(
            plan=plan,
            participant=participant,
            actor=actor,
            action="established",
            log_action=Action.CHANGE,
            detail="plan established",
            client_address=client_address,
        )
    return plan


def plan_import(
    *, participant: Participant, content: dict[str, Any], actor: User | None
) -> IndividualPlan:
    """Write a whole plan (the case-file shape) through the same rules as the forms.

    Errors are keyed by the path in that shape (``goals[0].sub_goals``, ``established_on``).
    """
    established_on = content.get("established_on")
    if isinstance(established_on, str):
        established_on = date.fromisoformat(established_on)
    with transaction.atomic():
        plan = plan_locked(
            IndividualPlan,
            participant,
            expected_version=IndividualPlan.objects.filter(participant=participant)
            .values_list("version", flat=True)
            .first()
            or 0,
        )
        plan.goals.all().delete()
        plan.contact_paths.all().delete()
        errors: dict[str, list[str]] = {}
        for index, goal_values in enumerate(content.get("goals") or []):
            title = (goal_values.get("title") or "").strip()
            if not title:
                errors[f"goals[{index}].title"] = [_("Write the goal.")]
                continue
            try:
                _write_goal(plan, title, goal_values.get("sub_goals") or [])
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors[f"goals[{index}].{field}"] = messages
        try:
            ContactPath.objects.bulk_create(_path_objects(plan, content.get("contact_paths") or []))
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        if established_on is not None:
            _check_established_on(participant, established_on)
            if missing := missing_parts(plan):
                raise ValidationError({"established_on": missing})
            plan.established_on = established_on
        else:
            plan.established_on = None
        plan.save(update_fields=["established_on"])
        _saved(
            plan=plan,
            participant=participant,
            actor=actor,
            action="imported",
            log_action=Action.CREATE,
            detail="plan imported",
            client_address=None,
        )
    return plan
