"""Scans: checked by content, stored under a random name in private storage, downloaded
only through the participant's access, as an attachment."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from cm_portal.models import AccessEvent
from consent import services
from consent.models import Consent
from tests.conftest import verified_client

from .helpers import PDF, consent_form, english_client

pytestmark = pytest.mark.django_db

HTML = b"<html><script>alert(1)</script></html>"
# Where the photo was taken and with what: what a phone puts in a scan's EXIF.
GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112


def _image(image_format: str, *, exif: bool = False) -> bytes:
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    options: dict = {}
    if exif:
        tags = Image.Exif()
        tags[MAKE] = "PhoneMaker"
        tags[MODEL] = "Pocket 9"
        tags[GPS_IFD] = {1: "N", 2: (59.0, 19.0, 37.0), 3: "E", 4: (18.0, 4.0, 7.0)}
        options["exif"] = tags
    if image_format == "PNG" and exif:
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "Skannad hos Kim Svensson")
        options["pnginfo"] = text
    output = io.BytesIO()
    image.save(output, format=image_format, **options)
    return output.getvalue()


JPEG = _image("JPEG")
PNG = _image("PNG")


def form(participant_org, upload) -> dict:
    return consent_form(participant_org.pk, scan=upload)


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
    if content == PDF:
        assert stored.read_bytes() == content
    else:
        # Images are re-encoded from their pixels (security.md 36): the same picture.
        with Image.open(stored) as image:
            assert image.format == {JPEG: "JPEG", PNG: "PNG"}[content]
            assert image.size == (40, 20)
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


def consent_for_the_district(participant, alice, district, **values) -> Consent:
    """A consent alice records through the service, naming the district."""
    return services.consent_record(
        participant=participant,
        actor=alice,
        organisations=[district],
        purpose="Samordning",
        signed_on=date(2026, 6, 5),
        signed_by="participant",
        **values,
    )


def scan_url(consent: Consent) -> str:
    return reverse("consent:scan", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk})


def test_the_service_checks_the_scan_too(participant, alice, district, storage):
    with pytest.raises(ValidationError, match="must be a PDF"):
        consent_for_the_district(
            participant,
            alice,
            district,
            scan=SimpleUploadedFile("x.pdf", HTML, content_type="application/pdf"),
        )
    assert not Consent.objects.exists()


def test_download_is_an_attachment_with_the_stored_type_and_is_logged(consent, alice, tess):
    for user in (alice, tess):
        response = english_client(user).get(scan_url(consent))
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
    response = english_client(user).get(scan_url(consent))
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(action="export").exists()


def test_a_consent_without_scan_has_no_download(participant, alice, district):
    consent = consent_for_the_district(participant, alice, district)
    response = english_client(alice).get(scan_url(consent))
    assert response.status_code == 404


# --- security.md 36: a real parser opens the scan; the body is refused while it streams ---


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n" + HTML,
        b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n",
        JPEG[:40],
        PNG[:-30],
        b"\x89PNG\r\n\x1a\n" + HTML,
    ],
    ids=[
        "html-behind-a-pdf-signature",
        "pdf-without-pages",
        "truncated-jpeg",
        "cut-png",
        "png-html",
    ],
)
def test_a_file_that_only_starts_like_a_scan_is_refused(
    participant, alice, district, storage, content
):
    upload = SimpleUploadedFile("samtycke.pdf", content, content_type="application/pdf")
    response = post(english_client(alice), participant, form(district, upload))

    assert response.status_code == 200
    assert "could not be opened" in response.content.decode()
    assert not Consent.objects.exists()
    assert not storage.exists() or not any(storage.rglob("*"))


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_image_metadata_is_stripped_before_storing(
    participant, alice, district, storage, image_format
):
    content = _image(image_format, exif=True)
    with Image.open(io.BytesIO(content)) as sent:
        assert sent.getexif()[MAKE] == "PhoneMaker"  # the upload does carry it
    upload = SimpleUploadedFile("foto", content, content_type="image/jpeg")
    response = post(english_client(alice), participant, form(district, upload))

    assert response.status_code == 302
    stored = Path(Consent.objects.get().scan.path).read_bytes()
    for trace in (b"PhoneMaker", b"Pocket 9", b"Exif", b"Kim Svensson"):
        assert trace not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == image_format
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        assert image.getpixel((5, 5))[0] > 150  # still the red page


def test_the_orientation_is_applied_before_the_metadata_goes(participant, alice, district, storage):
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    tags = Image.Exif()
    tags[ORIENTATION] = 6  # "rotate 90° clockwise to view"
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=tags)
    upload = SimpleUploadedFile("foto.jpg", output.getvalue(), content_type="image/jpeg")
    post(english_client(alice), participant, form(district, upload))

    with Image.open(Consent.objects.get().scan.path) as stored:
        assert stored.size == (20, 40)


class _Body:
    """A request body of ``size`` bytes made as it is read, counting what was read."""

    def __init__(self, head: bytes, size: int) -> None:
        self.head = head
        self.size = size
        self.read_so_far = 0

    def _take(self, wanted: int) -> bytes:
        left = self.size - self.read_so_far
        wanted = left if wanted is None or wanted < 0 else min(wanted, left)
        start = self.read_so_far
        chunk = self.head[start : start + wanted]
        chunk += b"\0" * (wanted - len(chunk))
        self.read_so_far += wanted
        return chunk

    def read(self, size: int = -1) -> bytes:
        return self._take(size)

    def readline(self, size: int = -1) -> bytes:
        return self._take(size if size and size > 0 else 64 * 1024)


BOUNDARY = "----cmportalboundary"


def _multipart_head() -> bytes:
    fields = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("purpose", "Samordning"), ("signed_on", "2026-06-05"))
    )
    return (
        fields + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="scan"; '
        'filename="stor.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n'
    ).encode()


def _post_body(client, participant, body: _Body, *, declared: int | None):
    # With no data of its own the client sets neither type nor length: these are the body's.
    extra = {"wsgi.input": body, "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}"}
    if declared is not None:
        extra["CONTENT_LENGTH"] = str(declared)
    return client.generic(
        "POST",
        reverse("consent:create", kwargs={"pk": participant.pk}),
        b"",
        **extra,
    )


def test_a_30_mb_body_is_refused_before_it_is_read(participant, alice, storage):
    body = _Body(_multipart_head(), 30 * 1024 * 1024)
    response = _post_body(verified_client(alice), participant, body, declared=body.size)

    assert response.status_code == 413
    assert body.read_so_far == 0
    page = response.content.decode()
    assert "Filen är för stor" in page  # Swedish, the portal's language
    assert "10 MB" in page
    assert not Consent.objects.exists()


def test_files_past_the_limit_are_stopped_while_they_stream(participant, alice, storage, settings):
    # A body within the declared limit whose files are not (several files, or a body whose
    # length the server did not know): the upload handler counts and stops it.
    settings.UPLOAD_MAX_FILE_BYTES = 1024 * 1024
    body = _Body(_multipart_head(), 8 * 1024 * 1024)
    response = _post_body(verified_client(alice), participant, body, declared=body.size)

    assert response.status_code == 413
    assert body.read_so_far < 2 * 1024 * 1024
    assert "Filen är för stor" in response.content.decode()
    assert not Consent.objects.exists()
    assert not storage.exists() or not any(storage.rglob("*"))
