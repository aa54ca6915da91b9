"""Crisis-plan URLs by persona: the assigned case manager and the team lead get in."""

from __future__ import annotations

from tests.matrix import SHARED_READ, Fixtures, Row, case_action_row, case_form_row

from .helpers_crisis_plan import CHAIN, crisis_plan_of, edit_post, participant_of


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
    "plans:crisis_plan_edit": case_form_row(_participant_kwargs, data=_edit),
    "plans:crisis_plan_establish": case_action_row(_participant_kwargs, data=_establish),
    "plans:crisis_plan_history": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
}
