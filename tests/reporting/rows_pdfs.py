"""The steering group's PDFs by persona: only the steering group gets in, everyone else 403
(a report is not a case object), anonymous to the login page."""

from __future__ import annotations

from tests.matrix import LOGIN, Fixtures, Redirect, Row, statuses

from .fixtures_pdfs import report_of

STEERING_PAGE = statuses(anonymous=LOGIN, staff=403, steve=200, pia=200)
STEERING_POST_GET = statuses(anonymous=LOGIN, staff=403, steve=405, pia=405)
TO_STATUS = Redirect("reporting:pdf_status")
STEERING_ACTION = statuses(anonymous=LOGIN, staff=403, steve=TO_STATUS, pia=TO_STATUS)


def _report_kwargs(f: Fixtures) -> dict:
    return {"pk": report_of(f).pk}


def _custom_period(f: Fixtures) -> dict:
    return {"kind": "custom", "date_from": "2026-05-01", "date_to": "2026-07-31"}


ROWS: dict[str, Row] = {
    "reporting:pdf_list": Row(expect={"GET": STEERING_PAGE}),
    "reporting:pdf_request": Row(
        expect={"GET": STEERING_POST_GET, "POST": STEERING_ACTION},
        data=_custom_period,
        changes_state=True,
    ),
    "reporting:pdf_download": Row(expect={"GET": STEERING_PAGE}, kwargs=_report_kwargs),
    "reporting:pdf_status": Row(expect={"GET": STEERING_PAGE}, kwargs=_report_kwargs),
}
