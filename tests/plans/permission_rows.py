"""Plan URLs by persona: each subject keeps its rows in ``rows_<subject>.py``."""

from __future__ import annotations

from tests.matrix import Row

from . import (
    rows_calendar,
    rows_crisis_plan,
    rows_dashboard,
    rows_documents,
    rows_individual_plan,
    rows_meetings,
    rows_prioritised_contacts,
    rows_self_ratings,
)

ROWS: dict[str, Row] = {}
for _subject in (
    rows_individual_plan,
    rows_prioritised_contacts,
    rows_crisis_plan,
    rows_self_ratings,
    rows_meetings,
    rows_documents,
    rows_dashboard,
    rows_calendar,
):
    assert not set(_subject.ROWS) & set(ROWS), "a URL name has rows in two subjects"
    ROWS.update(_subject.ROWS)
