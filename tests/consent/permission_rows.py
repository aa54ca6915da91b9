"""Consent URLs by persona.

The row's own consent names no other organisation; the matrix adds a second, real consent
naming the district (``tests.matrix.share_with_the_district``), so dana reads what "view"
allows and is refused with 404 wherever "change" is needed. Charlie's district has none.
"""

from __future__ import annotations

from tests.matrix import LOGIN, SHARED_READ, Fixtures, Row, statuses

from .helpers import consent_of, consent_participant_of, export_of

# Only the assigned case manager and the team lead of the owning organisation get in.
CASE_PAGE = statuses(anonymous=LOGIN, staff=404, alice=200, tess=200)
# Access comes before the method: only those who may change the participant learn it is POST only.
POST_ONLY_GET = statuses(anonymous=LOGIN, staff=404, alice=405, tess=405)
# Redirect() reverses the name without arguments, so the PRG redirect is checked as a bare 302.
CASE_ACTION = statuses(anonymous=LOGIN, staff=404, alice=302, tess=302)


def _participant_kwargs(f: Fixtures) -> dict:
    consent_of(f)
    return {"pk": consent_participant_of(f).pk}


def _consent_kwargs(f: Fixtures) -> dict:
    consent = consent_of(f)
    return {"pk": consent.participant_id, "consent_pk": consent.pk}


def _export_kwargs(f: Fixtures) -> dict:
    export = export_of(f)
    return {"pk": export.participant_id, "export_pk": export.pk}


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
    "consent:create": Row(
        expect={"GET": CASE_PAGE, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        data=_new_consent,
        changes_state=True,
    ),
    "consent:withdraw": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_consent_kwargs,
        data=_withdrawal,
        changes_state=True,
    ),
    "consent:scan": Row(expect={"GET": SHARED_READ}, kwargs=_consent_kwargs),
    # The right-of-access export needs "change": a consent-shared reader never gets it.
    "consent:export_json": Row(expect={"GET": CASE_PAGE}, kwargs=_participant_kwargs),
    # The PDF is the same right-of-access export: "change" again, rendered by a task.
    "consent:export_pdf_request": Row(
        expect={"GET": POST_ONLY_GET, "POST": CASE_ACTION},
        kwargs=_participant_kwargs,
        changes_state=True,
    ),
    "consent:export_pdf_status": Row(expect={"GET": CASE_PAGE}, kwargs=_export_kwargs),
    "consent:export_pdf_download": Row(expect={"GET": CASE_PAGE}, kwargs=_export_kwargs),
}
