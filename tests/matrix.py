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


def no_kwargs(f: Fixtures) -> dict:
    return {}


def pk_of(persona: str) -> Callable[[Fixtures], dict]:
    return lambda f: {"pk": f(persona).pk}


@dataclass(frozen=True)
class Row:
    expect: dict[str, dict[str, Status]]  # method → persona → status
    kwargs: Callable[[Fixtures], dict] = no_kwargs
    data: Callable[[Fixtures], dict] = no_kwargs
    changes_state: bool = False  # an accepted POST must change the database
