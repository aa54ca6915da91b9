"""Consent URLs by persona.

The row's own consent names no other organisation; the matrix adds a second, real consent
naming the district (``tests.matrix.share_with_the_district``), so dana reads what "view"
allows and is refused with 404 wherever "change" is needed. Charlie's district has none.
"""

from __future__ import annotations

from tests.matrix import (
    CASE_PAGE,
    SHARED_READ,
    Fixtures,
    Row,
    case_action_row,
    case_form_row,
    participant_and_own_pk,
)

from .helpers import consent_of, consent_participant_of, export_of


def _participant_kwargs(f: Fixtures) -> dict:
    consent_of(f)
    return {"pk": consent_participant_of(f).pk}


_consent_kwargs = participant_and_own_pk(consent_of, "consent_pk")
_export_kwargs = participant_and_own_pk(export_of, "export_pk")


def _new_consent(f: Fixtures) -> dict:
    return {
        "organisations": [f("district").pk],
        "external_parties": "Vårdcentralen Älvsjö",
        "purpose": "Samordning",
        "signed_on": "2026-06-03",
        "signed_by": "participant",
        "guardian_name": "",
        "valid_until": "",
    }


def _withdrawal(f: Fixtures) -> dict:
    return {"withdrawn_on": "2026-06-04", "by_whom": "participant", "confirmed": "yes"}


ROWS: dict[str, Row] = {
    "consent:list": Row(expect={"GET": SHARED_READ}, kwargs=_participant_kwargs),
    "consent:create": case_form_row(_participant_kwargs, data=_new_consent),
    "consent:withdraw": case_action_row(_consent_kwargs, data=_withdrawal),
    "consent:scan": Row(expect={"GET": SHARED_READ}, kwargs=_consent_kwargs),
    # The right-of-access export needs "change": a consent-shared reader never gets it.
    "consent:export_json": Row(expect={"GET": CASE_PAGE}, kwargs=_participant_kwargs),
    # The PDF is the same right-of-access export: "change" again, rendered by a task.
    "consent:export_pdf_request": case_action_row(_participant_kwargs),
    "consent:export_pdf_status": Row(expect={"GET": CASE_PAGE}, kwargs=_export_kwargs),
    "consent:export_pdf_download": Row(expect={"GET": CASE_PAGE}, kwargs=_export_kwargs),
}
