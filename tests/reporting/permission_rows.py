"""Reporting URLs by persona: each subject keeps its rows in ``rows_<subject>.py``."""

from __future__ import annotations

from tests.matrix import Row

from . import rows_exports, rows_final_report, rows_pdfs, rows_report

ROWS: dict[str, Row] = {}
for _subject in (rows_report, rows_pdfs, rows_exports, rows_final_report):
    assert not set(_subject.ROWS) & set(ROWS), "a URL name has rows in two subjects"
    ROWS.update(_subject.ROWS)
