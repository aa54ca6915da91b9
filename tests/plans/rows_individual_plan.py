"""Individual plan URLs by persona: the assigned case manager and the team lead get in."""

from __future__ import annotations

from django.utils import timezone

from tests.matrix import LOGIN, SHARED_READ, Fixtures, Row, statuses

from .helpers_individual_plan import goal_of, plan_of, plan_participant_of, version_of

CASE_PAGE = statuses(anonymous=LOGIN, staff=404, alice=200, tess=200)
POST_ONLY_GET = statuses(anonymous=LOGIN, staff=404, alice=405, tess=405)
CASE_ACTION = statuses(anonymous=LOGIN, staff=404, alice=302, tess=302)


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
    "plans:goal_create": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=_new_goal,
        changes_state=True,
    ),
    "plans:goal_edit": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_goal_kwargs,
        data=_goal_edit,
        changes_state=True,
    ),
    "plans:goal_delete": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_goal_kwargs,
        data=lambda f: {**_version_only(f), "confirmed": "yes"},
        changes_state=True,
    ),
    "plans:contact_paths": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=_paths,
        changes_state=True,
    ),
    "plans:plan_establish": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=_establish,
        changes_state=True,
    ),
    "plans:plan_history": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
}
