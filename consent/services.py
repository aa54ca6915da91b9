"""Every write to consents. Access follows consent only through participants' sharing grants."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from datetime import date

import pypdf
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from cm_portal import access_log, pdf
from cm_portal.models import AccessEvent, Organisation, User
from participants.models import Participant
from participants.services import case_write_record, sharing_grant_create, sharing_grants_revoke

from .models import Consent, ConsentParty, ParticipantExport

Action = AccessEvent.Action

MAX_SCAN_BYTES = 10 * 1024 * 1024
# What the file starts with decides its type: never its name or the browser's word for it.
SCAN_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
# An A4 page scanned at 600 dpi is 35 megapixels; more is a decompression bomb, not a scan.
MAX_SCAN_PIXELS = 60_000_000


def _unreadable() -> ValidationError:
    return ValidationError(
        _("The scan could not be opened: it is not a whole PDF, JPEG or PNG file."),
        code="unreadable",
    )


def _check_pdf(scan: UploadedFile) -> None:
    """A PDF library must open it and find at least one page."""
    scan.seek(0)
    try:
        reader = pypdf.PdfReader(scan, strict=False)
        pages = len(reader.pages)
    except Exception as error:  # pypdf raises many kinds for a broken file
        raise _unreadable() from error
    finally:
        scan.seek(0)
    if pages < 1:
        raise _unreadable()


def _open_image(scan: UploadedFile, image_format: str):
    """The image, opened and decoded; ValidationError for anything Pillow cannot read whole.

    Pillow works on a copy in memory (at most 10 MB): it may close the file it was given.
    """
    scan.seek(0)
    data = scan.read()
    scan.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                width, height = image.size
                if width * height > MAX_SCAN_PIXELS:
                    raise _unreadable()
                image.verify()  # the structure; verify() leaves the image unusable
            image = Image.open(io.BytesIO(data), formats=[image_format])
            image.load()  # the pixels: a truncated file fails here
        except ValidationError:
            raise
        except Exception as error:
            raise _unreadable() from error
    return image


def scan_content_type(scan: UploadedFile) -> str:
    """The scan's content type, read from its first bytes and proved by opening it with a
    real parser; ValidationError if not allowed."""
    if scan.size is not None and scan.size > MAX_SCAN_BYTES:
        raise ValidationError(_("The scan is larger than 10 MB."), code="too_large")
    scan.seek(0)
    head = scan.read(16)
    scan.seek(0)
    content_type = next(
        (kind for signature, kind in SCAN_SIGNATURES if head.startswith(signature)), None
    )
    if content_type is None:
        raise ValidationError(_("The scan must be a PDF, JPEG or PNG file."), code="file_type")
    if content_type == "application/pdf":
        _check_pdf(scan)
    else:
        _open_image(scan, IMAGE_FORMATS[content_type]).close()
    return content_type


def scan_without_metadata(scan: UploadedFile, content_type: str) -> File:
    """What is stored: a PDF as it came; an image re-encoded from its pixels alone, so that
    no EXIF (where it was taken, the device), XMP or text chunk is kept. The orientation
    EXIF gave is applied to the pixels first, so the scan still reads the right way up."""
    image_format = IMAGE_FORMATS.get(content_type)
    if image_format is None:
        return scan
    with _open_image(scan, image_format) as opened:
        upright = ImageOps.exif_transpose(opened)
    if image_format == "JPEG":
        mode = "L" if upright.mode in ("1", "L") else "RGB"
    elif upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        mode = "RGBA"
    else:
        mode = "L" if upright.mode in ("1", "L") else "RGB"
    converted = upright.convert(mode)
    # A new image from the raw pixels carries no info dict at all.
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    output = io.BytesIO()
    if image_format == "JPEG":
        clean.save(output, format="JPEG", quality=90)
    else:
        clean.save(output, format="PNG")
    return ContentFile(output.getvalue())


def _save_consent(
    consent: Consent,
    *,
    scan: File | None,
    parties: list[ConsentParty],
    organisations: list[Organisation],
) -> None:
    if scan is not None:
        # The storage picks the name through upload_to; the uploaded name is ignored.
        consent.scan.save("scan", scan, save=False)
    consent.save(force_insert=True)
    for party in parties:
        party.consent = consent
    ConsentParty.objects.bulk_create(parties)
    participant = consent.participant
    for organisation in organisations:
        if organisation.pk == participant.organisation_id:
            continue  # the owning organisation needs no grant to see its own
        sharing_grant_create(
            participant=participant,
            organisation=organisation,
            consent_id=consent.pk,
            valid_from=consent.signed_on,
            valid_until=consent.valid_until,
        )


def consent_record(
    *,
    participant: Participant,
    actor: User,
    organisations: Iterable[Organisation] = (),
    external_names: Iterable[str] = (),
    purpose: str,
    research: bool = False,
    signed_on: date,
    signed_by: str,
    guardian_name: str = "",
    valid_until: date | None = None,
    scan: UploadedFile | None = None,
    client_address: str | None = None,
) -> Consent:
    """Record a signed consent; each organisation party gets a sharing grant. A research
    consent (``research``) also lets the participant's pseudonymised data into the research
    exports while it is valid (``research.selectors``)."""
    organisations = list(dict.fromkeys(organisations))
    external_names = [name.strip() for name in external_names if name.strip()]
    if not organisations and not external_names:
        raise ValidationError(_("Name at least one party information may be shared with."))
    consent = Consent(
        participant=participant,
        recorded_by=actor,
        purpose=purpose.strip(),
        research=research,
        signed_on=signed_on,
        signed_by=signed_by,
        guardian_name=guardian_name.strip(),
        valid_until=valid_until,
    )
    stored_scan: File | None = None
    if scan is not None:
        consent.scan_content_type = scan_content_type(scan)
        stored_scan = scan_without_metadata(scan, consent.scan_content_type)
    consent.full_clean(exclude=["scan"])
    parties = [ConsentParty(organisation=organisation) for organisation in organisations] + [
        ConsentParty(external_name=name) for name in external_names
    ]
    for party in parties:
        party.full_clean(exclude=["consent"])
    try:
        with transaction.atomic():
            _save_consent(consent, scan=stored_scan, parties=parties, organisations=organisations)
            case_write_record(
                participant,
                action=Action.CREATE,
                actor=actor,
                client_address=client_address,
                detail=f"consent {consent.pk}" + (" research" if research else ""),
            )
    except Exception:
        # A file in a folder or an object store is not part of the transaction: remove it
        # when the rows are rolled back (one in the database is gone with them).
        if consent.scan:
            consent.scan.delete(save=False)
        raise
    return consent


def consent_withdraw(
    *,
    consent: Consent,
    withdrawn_on: date,
    by_whom: str,
    actor: User,
    client_address: str | None = None,
) -> Consent:
    """Record a withdrawal beside the original; access through it ends on the next request."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.is_withdrawn:
            raise ValidationError(_("This consent has already been withdrawn."))
        if not by_whom:
            raise ValidationError({"withdrawn_by_whom": _("Say who withdrew the consent.")})
        consent.withdrawn_on = withdrawn_on
        consent.withdrawn_by_whom = by_whom
        consent.withdrawal_recorded_by = actor
        consent.withdrawal_recorded_at = timezone.now()
        consent.full_clean(exclude=["scan"])
        consent.save(
            update_fields=[
                "withdrawn_on",
                "withdrawn_by_whom",
                "withdrawal_recorded_by",
                "withdrawal_recorded_at",
            ]
        )
        sharing_grants_revoke(consent_id=consent.pk)
        case_write_record(
            consent.participant,
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            detail=f"consent {consent.pk} withdrawn",
        )
    return consent


# --- the right-of-access PDF -------------------------------------------------------------


def participant_export_request(
    *, participant: Participant, actor: User, client_address: str | None = None
) -> ParticipantExport:
    """Queue a PDF of everything stored about the participant; reuse one still pending."""
    with transaction.atomic():
        export, created = pdf.request(
            ParticipantExport, subject={"participant": participant}, requested_by=actor
        )
        if created:
            access_log.record(
                action=Action.EXPORT,
                actor=actor,
                client_address=client_address,
                obj=participant,
                detail=f"case file pdf {export.pk}",
            )
    return export
