"""Reporting URLs by persona: the CSV exports (steering group and team leads only)."""

from __future__ import annotations

from tests.matrix import LOGIN, Fixtures, Row, statuses

# Role-gated, not object-gated: nothing is named, so everyone else gets 403.
REPORTS_ONLY = statuses(anonymous=LOGIN, staff=403, steve=200, pia=200, tess=200)


def _quarter_one(f: Fixtures) -> dict:
    return {"kind": "project_quarter", "n": "1"}


ROWS: dict[str, Row] = {
    "reporting:export_csv": Row(expect={"GET": REPORTS_ONLY}, data=_quarter_one),
    "reporting:export_xlsx": Row(expect={"GET": REPORTS_ONLY}, data=_quarter_one),
    "reporting:export_account_csv": Row(expect={"GET": REPORTS_ONLY}, data=_quarter_one),
    "reporting:export_intern_sip_csv": Row(expect={"GET": REPORTS_ONLY}, data=_quarter_one),
    "reporting:export_intern_sip_xlsx": Row(expect={"GET": REPORTS_ONLY}, data=_quarter_one),
}
