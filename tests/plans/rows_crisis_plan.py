"""Crisis-plan URLs by persona: the assigned case manager and the team lead get in."""

from __future__ import annotations

from tests.matrix import LOGIN, SHARED_READ, Fixtures, Row, statuses

from .helpers_crisis_plan import CHAIN, crisis_plan_of, edit_post, participant_of

CASE_PAGE = statuses(anonymous=LOGIN, staff=404, alice=200, tess=200)
POST_ONLY_GET = statuses(anonymous=LOGIN, staff=404, alice=405, tess=405)
CASE_ACTION = statuses(anonymous=LOGIN, staff=404, alice=302, tess=302)


def _participant_kwargs(f: Fixtures) -> dict:
    crisis_plan_of(f)
    return {"pk": participant_of(f).pk}


def _edit(f: Fixtures) -> dict:
    plan = crisis_plan_of(f)
    return edit_post(plan, CHAIN[:1], warning_signs="Sleeps badly")


def _establish(f: Fixtures) -> dict:
    return {"version": crisis_plan_of(f).version, "established_on": "2026-06-10"}


ROWS: dict[str, Row] = {
    "plans:crisis_plan": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
    "plans:crisis_plan_edit": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=_edit,
        changes_state=True,
    ),
    "plans:crisis_plan_establish": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=_establish,
        changes_state=True,
    ),
    "plans:crisis_plan_history": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
}
