"""Prioritised contact URLs by persona: the assigned case manager and the team lead get in."""

from __future__ import annotations

from tests.matrix import LOGIN, SHARED_READ, Fixtures, Row, statuses

from .helpers_individual_plan import plan_participant_of, prioritised_contact_of

CASE_PAGE = statuses(anonymous=LOGIN, staff=404, alice=200, tess=200)
CASE_ACTION = statuses(anonymous=LOGIN, staff=404, alice=302, tess=302)


def _participant_kwargs(f: Fixtures) -> dict:
    return {"pk": plan_participant_of(f).pk}


def _contact_kwargs(f: Fixtures) -> dict:
    contact = prioritised_contact_of(f)
    return {"pk": contact.participant_id, "contact_pk": contact.pk}


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
    "plans:prioritised_contact_edit": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_contact_kwargs,
        data=_completed,
        changes_state=True,
    ),
}
