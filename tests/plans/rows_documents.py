"""The plan PDFs by persona: only those who may change the participant get in."""

from __future__ import annotations

from tests.matrix import CASE_PAGE, Fixtures, Row, case_action_row, participant_and_own_pk

from .helpers_documents import document_of, document_participant_of, meeting_of


def _participant_kwargs(f: Fixtures) -> dict:
    return {"pk": document_participant_of(f).pk}


_meeting_kwargs = participant_and_own_pk(meeting_of, "meeting_pk")
_document_kwargs = participant_and_own_pk(document_of, "document_pk")


ROWS: dict[str, Row] = {
    "plans:my_plan_request": case_action_row(_participant_kwargs),
    "plans:invitation_letter_request": case_action_row(_meeting_kwargs),
    "plans:document_status": Row(expect={"GET": CASE_PAGE}, kwargs=_document_kwargs),
    "plans:document_download": Row(expect={"GET": CASE_PAGE}, kwargs=_document_kwargs),
}
