"""Prioritised contact URLs by persona: the assigned case manager and the team lead get in."""

from __future__ import annotations

from tests.matrix import (
    CASE_ACTION,
    SHARED_READ,
    Fixtures,
    Row,
    case_form_row,
    participant_and_own_pk,
)

from .helpers_individual_plan import plan_participant_of, prioritised_contact_of


def _participant_kwargs(f: Fixtures) -> dict:
    return {"pk": plan_participant_of(f).pk}


_contact_kwargs = participant_and_own_pk(prioritised_contact_of, "contact_pk")


def _new_contact(f: Fixtures) -> dict:
    return {
        "actor_kind": "social_services",
        "actor": "Ekonomiskt bistånd",
        "planned_on": "2026-08-10",
        "status": "planned",
        "completed_on": "",
    }


def _completed(f: Fixtures) -> dict:
    return {
        "actor_kind": "healthcare",
        "actor": "Vårdcentralen",
        "planned_on": "2026-07-01",
        "status": "completed",
        "completed_on": "2026-07-03",
    }


ROWS: dict[str, Row] = {
    "plans:prioritised_contacts": Row(
        expect={"GET": SHARED_READ, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=_new_contact,
        changes_state=True,
    ),
    "plans:prioritised_contact_edit": case_form_row(_contact_kwargs, data=_completed),
}
