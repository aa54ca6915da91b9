"""The administrators' programme pages by persona: only the administrator gets in, everyone
else 403 (naming nothing), anonymous to the login page. Each POST changes the programme."""

from __future__ import annotations

from collections.abc import Callable

from tests.matrix import LOGIN, Fixtures, Row, state_change_row, statuses

ADMIN_PAGE = statuses(anonymous=LOGIN, staff=403, ada=200)
ADMIN_POST_GET = statuses(anonymous=LOGIN, staff=403, ada=405)
# To the programme's own page (its address takes the pk, so the status alone is compared).
TO_EDIT = 302
ADMIN_POST = statuses(anonymous=LOGIN, staff=403, ada=TO_EDIT)


def _programme(f: Fixtures) -> dict:
    return {"pk": f("vagledning").pk}


def _new_programme(f: Fixtures) -> dict:
    return {
        "slug": "matrix-programme",
        "name": "Matrix programme",
        "start": "2027-01-01",
        "end": "2027-12-31",
        "organisations": [f("district").pk],
        "entry_paths": ["other"],
        "reporting_periods": ["tertial"],
    }


def _changed_programme(f: Fixtures) -> dict:
    programme = f("vagledning")
    return {
        "slug": programme.slug,
        "name": "Vägledning i Vardagslivet (renamed)",
        "start": programme.start.isoformat(),
        "end": programme.end.isoformat(),
        "organisations": [f("hela_manniskan").pk, f("district").pk],
        "age_bins": "18-21, 22-25, 26-29",
        "entry_paths": programme.entry_paths,
        "reporting_periods": programme.reporting_periods,
        "phases": "establishment; Etablering; 1; 6\nrest; Resten; 7; 36",
    }


def _goal(f: Fixtures) -> dict:
    return {"kind": "self_rating_improved", "target_percent": "65"}


def _goal_kind(f: Fixtures) -> dict:
    return {"kind": "self_rating_improved"}


def _goal_action(data: Callable[[Fixtures], dict]) -> Row:
    """A POST-only change of the programme's goals."""
    return state_change_row(ADMIN_POST_GET, ADMIN_POST, kwargs=_programme, data=data)


ROWS: dict[str, Row] = {
    "programmes:list": Row(expect={"GET": ADMIN_PAGE}),
    "programmes:create": Row(
        expect={"GET": ADMIN_PAGE, "POST": ADMIN_POST},
        data=_new_programme,
        changes_state=True,
    ),
    "programmes:edit": Row(
        expect={"GET": ADMIN_PAGE, "POST": ADMIN_POST},
        kwargs=_programme,
        data=_changed_programme,
        changes_state=True,
    ),
    "programmes:goal": _goal_action(_goal),
    "programmes:goal_remove": _goal_action(_goal_kind),
}
