"""Scans: checked by content, stored under a random name in private storage, downloaded
only through the participant's access, as an attachment."""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cm_portal.models import AccessEvent
from consent import services
from consent.models import Consent

from .helpers import PDF, english_client

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
HTML = b"<html><script>alert(1)</script></html>"


def form(participant_org, upload) -> dict:
    return {
        "organisations": [participant_org.pk],
        "external_parties": "",
        "purpose": "Samordning",
        "signed_on": "2026-06-05",
        "signed_by": "participant",
        "guardian_name": "",
        "valid_until": "",
        "scan": upload,
    }


def post(client, participant, data):
    return client.post(reverse("consent:create", kwargs={"pk": participant.pk}), data)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Kim Svensson samtycke.pdf", PDF, "application/pdf"),
        ("foto.jpg", JPEG, "image/jpeg"),
        # The browser's word and the name do not matter: the bytes do.
        ("skanning.bin", PNG, "application/octet-stream"),
    ],
)
def test_pdf_jpeg_and_png_are_accepted(
    participant, alice, district, storage, name, content, content_type
):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = post(english_client(alice), participant, form(district, upload))

    assert response.status_code == 302
    consent = Consent.objects.get()
    expected = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png"}[content]
    assert consent.scan_content_type == expected
    stored = Path(consent.scan.path)
    assert stored.read_bytes() == content
    assert name not in consent.scan.name
    assert Path(name).stem not in consent.scan.name
    location = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert stored.is_relative_to(location)
    assert location == storage


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("samtycke.pdf", HTML, content_type="application/pdf"),
            "must be a PDF, JPEG or PNG",
        ),
        (
            SimpleUploadedFile(
                "stor.pdf", PDF + b"\x00" * (10 * 1024 * 1024), content_type="application/pdf"
            ),
            "larger than 10 MB",
        ),
    ],
    ids=["html-named-pdf", "over-10-mb"],
)
def test_other_files_are_refused(participant, alice, district, storage, upload, message):
    response = post(english_client(alice), participant, form(district, upload))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Consent.objects.exists()
    assert not storage.exists() or not any(storage.rglob("*"))


def test_the_service_checks_the_scan_too(participant, alice, district, storage):
    with pytest.raises(ValidationError, match="must be a PDF"):
        services.consent_record(
            participant=participant,
            recorded_by=alice,
            organisations=[district],
            purpose="Samordning",
            signed_on=date(2026, 6, 5),
            signed_by="participant",
            scan=SimpleUploadedFile("x.pdf", HTML, content_type="application/pdf"),
        )
    assert not Consent.objects.exists()


def test_download_is_an_attachment_with_the_stored_type_and_is_logged(consent, alice, tess):
    for user in (alice, tess):
        response = english_client(user).get(
            reverse("consent:scan", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk})
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "Kim" not in response["Content-Disposition"]
        assert response.content == PDF
    assert (
        AccessEvent.objects.filter(
            action="export",
            object_type="participant",
            object_id=str(consent.participant_id),
            detail=f"consent {consent.pk} scan",
        ).count()
        == 2
    )


@pytest.mark.parametrize("persona", ["bob", "charlie", "dana", "steve", "ada"])
def test_others_get_404_on_download(consent, persona, request):
    user = request.getfixturevalue(persona)
    response = english_client(user).get(
        reverse("consent:scan", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk})
    )
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(action="export").exists()


def test_a_consent_without_scan_has_no_download(participant, alice, district):
    consent = services.consent_record(
        participant=participant,
        recorded_by=alice,
        organisations=[district],
        purpose="Samordning",
        signed_on=date(2026, 6, 5),
        signed_by="participant",
    )
    response = english_client(alice).get(
        reverse("consent:scan", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk})
    )
    assert response.status_code == 404
