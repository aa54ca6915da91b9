"""The permission matrix's vocabulary, shared by every app's rows.

Each app with URLs keeps its rows in ``tests/<app>/permission_rows.py`` as
``ROWS: dict[str, Row]``; ``tests/test_permission_matrix.py`` collects them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .conftest import PERSONAS

Fixtures = Callable[[str], Any]  # request.getfixturevalue


@dataclass(frozen=True)
class Redirect:
    """A 302 to this URL name (the query string, e.g. ?next=, is not compared)."""

    to: str

    def __str__(self) -> str:
        return f"302→{self.to}"


Status = int | Redirect
LOGIN = Redirect("accounts:login")
HOME = Redirect("home")


def statuses(*, anonymous: Status, staff: Status, **each: Status) -> dict[str, Status]:
    """``staff`` for every logged-in persona; keyword arguments override single personas."""
    unknown = set(each) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    table = {name: staff for name in PERSONAS}
    table["anonymous"] = anonymous
    table.update(each)
    return table


# A participant's page that reading is enough for: the assigned case manager, the team lead,
# and dana through the district's sharing grant (access_participant(need="view")). Pages
# that need "change" keep dana out with 404, as for anyone else who may not change.
SHARED_READ = statuses(anonymous=LOGIN, staff=404, alice=200, tess=200, dana=200)


# A participant's page that needs "change": only the assigned case manager and the team lead
# of the owning organisation get in; everyone else 404, as for a participant that is not there.
CASE_PAGE = statuses(anonymous=LOGIN, staff=404, alice=200, tess=200)
# Access comes before the method: only those who may change the participant learn it is POST only.
POST_ONLY_GET = statuses(anonymous=LOGIN, staff=404, alice=405, tess=405)
# Redirect() reverses the name without arguments, so the PRG redirect is checked as a bare 302.
CASE_ACTION = statuses(anonymous=LOGIN, staff=404, alice=302, tess=302)


def no_kwargs(f: Fixtures) -> dict:
    return {}


def pk_of(persona: str) -> Callable[[Fixtures], dict]:
    return lambda f: {"pk": f(persona).pk}


def participant_and_own_pk(
    build: Callable[[Fixtures], Any], key: str
) -> Callable[[Fixtures], dict]:
    """The URL arguments of an object of a participant (a meeting, a document): the
    participant's ``pk`` and the object's own under ``key``."""

    def kwargs(f: Fixtures) -> dict:
        found = build(f)
        return {"pk": found.participant_id, key: found.pk}

    return kwargs


@dataclass(frozen=True)
class Row:
    expect: dict[str, dict[str, Status]]  # method → persona → status
    kwargs: Callable[[Fixtures], dict] = no_kwargs
    data: Callable[[Fixtures], dict] = no_kwargs
    changes_state: bool = False  # an accepted POST must change the database


Builder = Callable[[Fixtures], dict]  # the URL's arguments or the POST's data


def state_change_row(
    get: dict[str, Status],
    post: dict[str, Status],
    *,
    kwargs: Builder = no_kwargs,
    data: Builder = no_kwargs,
) -> Row:
    """A URL whose accepted POST changes the database: what GET and POST answer each persona."""
    return Row(expect={"GET": get, "POST": post}, kwargs=kwargs, data=data, changes_state=True)


def case_form_row(kwargs: Builder, data: Builder = no_kwargs) -> Row:
    """A form that changes a participant's case: shown by GET, accepted POST redirects."""
    return state_change_row(CASE_PAGE, CASE_ACTION, kwargs=kwargs, data=data)


def case_action_row(kwargs: Builder, data: Builder = no_kwargs) -> Row:
    """A POST-only change of a participant's case (a button, not a page of its own)."""
    return state_change_row(POST_ONLY_GET, CASE_ACTION, kwargs=kwargs, data=data)


def share_with_the_district(f: Fixtures) -> None:
    """The consent-shared persona's grant (security.md 37): every participant the row built,
    all of Hela Människan, gets a real signed consent naming the district, so that a
    sharing grant covers dana (a district case manager) and nobody else of the personas.
    """
    from datetime import timedelta

    from django.utils import timezone

    from consent.services import consent_record
    from participants.models import Participant, SharingGrant

    district, alice = f("district"), f("alice")
    shared = SharingGrant.objects.filter(organisation=district).values("participant_id")
    for participant in Participant.objects.filter(organisation=f("hela_manniskan")).exclude(
        pk__in=shared
    ):
        consent_record(
            participant=participant,
            actor=alice,
            organisations=[district],
            purpose="Samordning med stadsdelen",
            signed_on=timezone.localdate() - timedelta(days=1),
            signed_by="participant",
        )
    f("dana")
