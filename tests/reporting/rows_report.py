"""The on-screen steering-group report by persona: the steering group and the team lead get
in; case managers and the administrator are refused without naming anything (403)."""

from __future__ import annotations

from tests.matrix import LOGIN, Row, statuses

REPORT_PAGE = statuses(anonymous=LOGIN, staff=403, tess=200, steve=200, pia=200)

ROWS: dict[str, Row] = {
    "reporting:report": Row(expect={"GET": REPORT_PAGE}),
    # The steering group's start page (the team lead starts on their deadlines).
    "reporting:start": Row(
        expect={"GET": statuses(anonymous=LOGIN, staff=403, steve=200, pia=200)}
    ),
}
