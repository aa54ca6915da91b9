"""The ``plan`` part of a case: the individual plan in the shape revisions keep, imported
through ``plan_import`` (the forms' rules: a goal keeps a sub-goal, an established plan
needs a goal with a sub-goal and a contact path, no establishment in the future or before
the start)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from cm_portal.models import User
from consent.case_files.readers import (
    REQUIRED,
    CaseErrors,
    Schema,
    choice,
    iso_date,
    optional,
    read_list,
    read_object,
    read_object_partly,
    text,
)
from consent.case_files.sections import Section
from participants.models import Participant

from ..models import SubGoalStatus
from ..selectors.individual_plan import plan_content, plan_of
from ..services.individual_plan import plan_import

KEY = "plan"


def _any(value: Any) -> Any:
    return value  # read further below, with its own paths


PLAN_SCHEMA: Schema = {
    "established_on": (optional(iso_date), None),
    "goals": (_any, []),
    "contact_paths": (_any, []),
}
GOAL_SCHEMA: Schema = {"title": (text, REQUIRED), "sub_goals": (_any, [])}
SUB_GOAL_SCHEMA: Schema = {
    "title": (text, REQUIRED),
    "status": (choice(SubGoalStatus), SubGoalStatus.OPEN),
}
PATH_SCHEMA: Schema = {
    "actor": (text, REQUIRED),
    "person": (text, ""),
    "how": (text, REQUIRED),
    "when": (text, ""),
}


def export(participant: Participant) -> dict[str, Any] | None:
    return plan_content(plan_of(participant))


def _read_goal(case: CaseErrors, path: str, raw: Any) -> dict[str, Any] | None:
    before = case.count
    goal, _whole = read_object_partly(case, path, raw, GOAL_SCHEMA)
    goal["sub_goals"] = [
        read_object(case, f"{path}.sub_goals[{position}]", item, SUB_GOAL_SCHEMA)
        for position, item in enumerate(
            read_list(case, f"{path}.sub_goals", goal.get("sub_goals", []))
        )
    ]
    return goal if case.count == before else None


def read(case: CaseErrors, raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    before = case.count
    # Read on past a wrong field, so that every error of the plan is named at once.
    plan, _whole = read_object_partly(case, KEY, raw, PLAN_SCHEMA)
    plan["goals"] = [
        _read_goal(case, f"{KEY}.goals[{position}]", item)
        for position, item in enumerate(read_list(case, f"{KEY}.goals", plan.get("goals", [])))
    ]
    plan["contact_paths"] = [
        read_object(case, f"{KEY}.contact_paths[{position}]", item, PATH_SCHEMA)
        for position, item in enumerate(
            read_list(case, f"{KEY}.contact_paths", plan.get("contact_paths", []))
        )
    ]
    return plan if case.count == before else None


def write(
    case: CaseErrors, participant: Participant, parsed: dict[str, Any] | None, actor: User
) -> int:
    if parsed is None:
        return 0
    try:
        plan_import(participant=participant, content=parsed, actor=actor)
    except ValidationError as error:
        case.validation_error(KEY, error)
        return 0
    return 1


SECTIONS: list[Section] = [Section(key=KEY, export=export, read=read, write=write)]
