"""Builders for the consent tests and the permission matrix.

They take ``f`` (``request.getfixturevalue``) so that ``tests/test_permission_matrix.py``
can build the same objects: fixtures in ``tests/consent/conftest.py`` are visible only to
the tests in this folder. Each builder is get-or-create, so calling it twice is harmless.
"""

from __future__ import annotations

import io
from datetime import date

import pypdf
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cm_portal.pdf import PdfStatus
from consent import services
from consent.models import Consent, ParticipantExport
from participants.models import Participant
from participants.services import participant_register
from tests.conftest import verified_client
from tests.matrix import Fixtures

INTAKE = {
    "birth_year": 2003,
    "gender": "woman",
    "entry_path": "outreach",
    "crisis_relevant": False,
    "intervention_start": date(2026, 6, 1),
}


def _one_page_pdf() -> bytes:
    """A real one-page PDF: scans are opened with a PDF library before they are accepted."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


PDF = _one_page_pdf()


def use_temporary_storage(f: Fixtures) -> None:
    """Uploaded files go to a per-test folder that pytest removes, not var/test-private."""
    settings = f("settings")
    location = f("tmp_path") / "private"
    if settings.STORAGES["default"].get("OPTIONS", {}).get("location") != location:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": location},
            },
        }


def pdf_upload(name: str = "samtycke Kim Svensson.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def consent_form(organisation_pk, **values) -> dict:
    """The consent form as a case manager fills it in: one organisation, no outside party,
    signed by the participant on 5 June 2026, valid until withdrawn."""
    return {
        "organisations": [organisation_pk],
        "external_parties": "",
        "purpose": "Samordning",
        "signed_on": "2026-06-05",
        "signed_by": "participant",
        "guardian_name": "",
        "valid_until": "",
        **values,
    }


def consent_participant_of(f: Fixtures) -> Participant:
    organisation = f("hela_manniskan")
    existing = Participant.objects.filter(organisation=organisation).order_by("pk").first()
    return existing or participant_register(
        organisation=organisation, actor=f("alice"), display_name="Kim", **INTAKE
    )


def consent_of(f: Fixtures) -> Consent:
    """The participant's consent, with a scan.

    It names the participant's own organisation and an outside actor, so it creates no
    sharing grant itself; the permission matrix adds dana's grant with a consent of its own
    (``tests.matrix.share_with_the_district``).
    """
    participant = consent_participant_of(f)
    existing = Consent.objects.filter(participant=participant).order_by("pk").first()
    if existing:
        return existing
    use_temporary_storage(f)
    return services.consent_record(
        participant=participant,
        actor=f("alice"),
        organisations=[f("hela_manniskan")],
        external_names=["Vårdcentralen Älvsjö"],
        purpose="Samordning av stöd",
        signed_on=date(2026, 6, 2),
        signed_by="participant",
        valid_until=None,
        scan=pdf_upload(),
    )


def english_client(user):
    """A verified client that asks for English, so tests read the English strings."""
    client = verified_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def export_of(f: Fixtures) -> ParticipantExport:
    """A finished PDF export of the participant (the file is a stand-in, not rendered)."""
    participant = consent_participant_of(f)
    existing = ParticipantExport.objects.filter(participant=participant).order_by("pk").first()
    if existing:
        return existing
    use_temporary_storage(f)
    export = ParticipantExport(
        participant=participant,
        requested_by=f("alice"),
        status=PdfStatus.READY,
        finished_at=timezone.now(),
    )
    export.file.save("export.pdf", ContentFile(PDF), save=False)
    export.save(force_insert=True)
    return export
