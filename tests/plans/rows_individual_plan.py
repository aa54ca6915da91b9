"""Individual plan URLs by persona: the assigned case manager and the team lead get in."""

from __future__ import annotations

from django.utils import timezone

from tests.matrix import SHARED_READ, Fixtures, Row, case_action_row, case_form_row

from .helpers_individual_plan import goal_of, plan_of, plan_participant_of, version_of


def _participant_kwargs(f: Fixtures) -> dict:
    return {"pk": plan_of(f).participant_id}


def _goal_kwargs(f: Fixtures) -> dict:
    goal = goal_of(f)
    return {"pk": plan_of(f).participant_id, "goal_pk": goal.pk}


def _version(f: Fixtures) -> int:
    return version_of(plan_participant_of(f))


def _new_goal(f: Fixtures) -> dict:
    return {"version": _version(f), "title": "Arbete", "first_sub_goal": "Träffa arbetscoach"}


def _goal_edit(f: Fixtures) -> dict:
    return {
        "version": _version(f),
        "title": "Egen lägenhet i Älvsjö",
        "sub-TOTAL_FORMS": "1",
        "sub-INITIAL_FORMS": "1",
        "sub-0-title": "Ställa sig i bostadskön",
        "sub-0-status": "achieved",
    }


def _paths(f: Fixtures) -> dict:
    return {
        "version": _version(f),
        "paths-TOTAL_FORMS": "1",
        "paths-INITIAL_FORMS": "1",
        "paths-0-actor": "Socialtjänsten",
        "paths-0-person": "",
        "paths-0-how": "08-456",
        "paths-0-when": "vardagar",
    }


def _establish(f: Fixtures) -> dict:
    return {"version": _version(f), "established_on": timezone.localdate().isoformat()}


def _version_only(f: Fixtures) -> dict:
    return {"version": _version(f)}


ROWS: dict[str, Row] = {
    "plans:plan": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
    "plans:goal_create": case_form_row(_participant_kwargs, data=_new_goal),
    "plans:goal_edit": case_form_row(_goal_kwargs, data=_goal_edit),
    "plans:goal_delete": case_action_row(
        _goal_kwargs, data=lambda f: {**_version_only(f), "confirmed": "yes"}
    ),
    "plans:contact_paths": case_form_row(_participant_kwargs, data=_paths),
    "plans:plan_establish": case_action_row(_participant_kwargs, data=_establish),
    "plans:plan_history": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
}
