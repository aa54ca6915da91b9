"""Self-rating URLs by persona. The participant's page is public: the link decides."""

from __future__ import annotations

from tests.matrix import (
    CASE_ACTION,
    CASE_PAGE,
    SHARED_READ,
    Fixtures,
    Row,
    case_action_row,
    statuses,
)

from .helpers_crisis_plan import participant_of
from .helpers_self_ratings import ANSWERS, fresh_token, link_of

# No login: anyone holding a valid link gets the questions, and a valid answer is thanked.
LINK_PAGE = statuses(anonymous=200, staff=200)


def _participant_kwargs(f: Fixtures) -> dict:
    return {"pk": participant_of(f).pk}


def _link_kwargs(f: Fixtures) -> dict:
    return {"pk": participant_of(f).pk, "link_pk": link_of(f).pk}


def _rating(f: Fixtures) -> dict:
    return {"phase": "baseline", "rated_on": "2026-06-05", **ANSWERS}


ROWS: dict[str, Row] = {
    "plans:self_ratings": Row(
        expect={"GET": SHARED_READ, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=_rating,
        changes_state=True,
    ),
    "plans:self_rating_link_create": case_action_row(
        _participant_kwargs, data=lambda f: {"phase": "follow_up"}
    ),
    "plans:self_rating_link": Row(expect={"GET": CASE_PAGE}, kwargs=_link_kwargs),
    "plans:self_rating_fill": Row(
        expect={"GET": LINK_PAGE, "POST": LINK_PAGE},
        kwargs=lambda f: {"token": fresh_token(f)},
        data=lambda f: dict(ANSWERS),
        changes_state=True,
    ),
}
