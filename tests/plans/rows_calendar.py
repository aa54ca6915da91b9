"""Calendar URLs by persona. The page and the link settings are every case worker's own;
the ``.ics`` feed has no login: the secret link is the key, whoever holds it."""

from __future__ import annotations

from tests.matrix import Fixtures, Row, statuses

from .rows_dashboard import OWN_ACTION, OWN_PAGE

FEED = statuses(anonymous=200, staff=200)


def _fresh_feed(f: Fixtures) -> dict:
    from plans.services.calendar import calendar_feed_create

    return {"token": calendar_feed_create(user=f("alice"))}


ROWS: dict[str, Row] = {
    "plans:calendar": Row(expect={"GET": OWN_PAGE}),
    "plans:calendar_feed_settings": Row(
        expect={"GET": OWN_PAGE, "POST": OWN_ACTION},
        data=lambda f: {"action": "create"},
        changes_state=True,
    ),
    "plans:calendar_feed": Row(expect={"GET": FEED}, kwargs=_fresh_feed),
}
