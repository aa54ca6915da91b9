"""Permission rows for the participants' URLs (collected by tests/test_permission_matrix.py).

The matrix test lives in ``tests/`` and so cannot see the fixtures of
``tests/participants/conftest.py``; the rows build the same participant through the same
factory, once per test (looked up again when both ``kwargs`` and ``data`` ask for it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from participants.models import Contact, Participant

from ..matrix import (
    LOGIN,
    SHARED_READ,
    Fixtures,
    Row,
    case_action_row,
    case_form_row,
    state_change_row,
    statuses,
)
from .factories import log_contact, register

CASE_PAGE = statuses(anonymous=LOGIN, staff=200, steve=403, pia=403, ada=403, rita=403)
# An accepted POST redirects to the participant's page; the matrix compares a Redirect
# with a URL that takes no arguments, so the status alone is pinned here.
CASE_PAGE_POST = statuses(anonymous=LOGIN, staff=302, steve=403, pia=403, ada=403, rita=403)
# The team lead of the organisation only: others who may change the participant get 403,
# everyone else 404 as for any participant they may not see.
TEAM_LEAD_POST = statuses(anonymous=LOGIN, staff=404, alice=403, tess=302)
TEAM_LEAD_GET = statuses(anonymous=LOGIN, staff=404, alice=403, tess=405)
TEAM_LEAD_PAGE = statuses(anonymous=LOGIN, staff=403, tess=200)
TEAM_LEAD_PAGE_POST = statuses(anonymous=LOGIN, staff=403, tess=302)


def _participant(f: Fixtures, *, closed: bool = False) -> Participant:
    name = "Matrix Closed" if closed else "Matrix Open"
    found = Participant.objects.filter(display_name=name).first()
    if found:
        return found
    values = {"display_name": name}
    if closed:
        values |= {
            "intervention_end": timezone.localdate(),
            "end_reason_code": "moved",
            "end_reason": "Moved",
        }
    return register(f("hela_manniskan"), f("alice"), **values)


def _contact(f: Fixtures) -> Contact:
    participant = _participant(f)
    return participant.contacts.first() or log_contact(participant, f("alice"))


def _of(f: Fixtures) -> dict:
    return {"pk": _participant(f).pk}


def _contact_data(**values) -> dict:
    data = {
        "date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "kind": "phone",
        "duration_minutes": 20,
        "counterpart": "",
        "note": "",
    }
    data.update(values)
    return data


ROWS: dict[str, Row] = {
    "participants:list": Row(expect={"GET": CASE_PAGE}),
    "participants:create": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_PAGE_POST},
        data=lambda f: {
            "display_name": "Matrix New",
            "birth_year": 2001,
            "gender": "man",
            "entry_path": "other",
            "intervention_start": timezone.localdate().isoformat(),
        },
        changes_state=True,
    ),
    "participants:detail": Row(expect={"GET": SHARED_READ}, kwargs=_of),
    # The contact form is a page of its own (issue 17).
    "participants:contact_create": case_form_row(_of, data=lambda f: _contact_data()),
    "participants:contact_edit": case_form_row(
        lambda f: {"pk": _participant(f).pk, "contact_pk": _contact(f).pk},
        data=lambda f: _contact_data(duration_minutes=90),
    ),
    # Closing is a page of its own, then a confirmation step (issue 17).
    "participants:close": case_form_row(
        _of,
        data=lambda f: {
            "end_date": timezone.localdate().isoformat(),
            "reason_code": "moved",
            "reason": "Moved away",
            "confirmed": "yes",
        },
    ),
    "participants:reopen": case_action_row(lambda f: {"pk": _participant(f, closed=True).pk}),
}


def _edit_data(f: Fixtures) -> dict:
    participant = _participant(f)
    return {
        "display_name": participant.display_name,
        "birth_year": participant.birth_year,
        "gender": participant.gender,
        "entry_path": "other",
        "intervention_start": participant.intervention_start.isoformat(),
    }


def _transfer_data(f: Fixtures) -> dict:
    _participant(f)  # alice has a caseload to move
    return {"from_user": f("alice").pk, "to_user": f("bob").pk, "confirmed": "yes"}


def _team_lead_action(data: Callable[[Fixtures], dict]) -> Row:
    """A change of the participant's assignments only the team lead may make."""
    return state_change_row(TEAM_LEAD_GET, TEAM_LEAD_POST, kwargs=_of, data=data)


ROWS |= {
    "participants:edit": case_form_row(_of, data=_edit_data),
    "participants:assign": _team_lead_action(lambda f: {"staff": f("bob").pk}),
    "participants:unassign": _team_lead_action(
        lambda f: {"staff": f("alice").pk, "confirmed": "yes"}
    ),
    # Change case manager: alice leaves the case, bob takes it over (issue 17).
    "participants:reassign": _team_lead_action(
        lambda f: {"from_user": f("alice").pk, "to_user": f("bob").pk}
    ),
    "participants:legal_hold": _team_lead_action(lambda f: {"hold": "on"}),
    # The administrators' dry run of retention: references and dates, no case content.
    "participants:retention": Row(expect={"GET": statuses(anonymous=LOGIN, staff=403, ada=200)}),
    "participants:transfer": Row(
        expect={"GET": TEAM_LEAD_PAGE, "POST": TEAM_LEAD_PAGE_POST},
        data=_transfer_data,
        changes_state=True,
    ),
    "participants:activity_list": Row(expect={"GET": CASE_PAGE}),
    "participants:activity_create": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_PAGE_POST},
        data=lambda f: {
            "kind": "drop_in",
            "date": timezone.localdate().isoformat(),
            "duration_minutes": 120,
            "people_reached": 12,
            "first_time_visitors": 3,
        },
        changes_state=True,
    ),
}
