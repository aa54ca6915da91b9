"""The plan PDFs by persona: only those who may change the participant get in."""

from __future__ import annotations

from tests.matrix import LOGIN, Fixtures, Row, statuses

from .helpers_documents import document_of, document_participant_of, meeting_of

CASE_PAGE = statuses(anonymous=LOGIN, staff=404, alice=200, tess=200)
# Access comes before the method: only those who may change the participant learn it is POST only.
POST_ONLY_GET = statuses(anonymous=LOGIN, staff=404, alice=405, tess=405)
# Redirect() reverses the name without arguments, so the PRG redirect is checked as a bare 302.
CASE_ACTION = statuses(anonymous=LOGIN, staff=404, alice=302, tess=302)


def _participant_kwargs(f: Fixtures) -> dict:
    return {"pk": document_participant_of(f).pk}


def _meeting_kwargs(f: Fixtures) -> dict:
    meeting = meeting_of(f)
    return {"pk": meeting.participant_id, "meeting_pk": meeting.pk}


def _document_kwargs(f: Fixtures) -> dict:
    document = document_of(f)
    return {"pk": document.participant_id, "document_pk": document.pk}


ROWS: dict[str, Row] = {
    "plans:my_plan_request": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        changes_state=True,
    ),
    "plans:invitation_letter_request": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_meeting_kwargs,
        changes_state=True,
    ),
    "plans:document_status": Row(expect={"GET": CASE_PAGE}, kwargs=_document_kwargs),
    "plans:document_download": Row(expect={"GET": CASE_PAGE}, kwargs=_document_kwargs),
}
