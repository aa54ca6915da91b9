"""Every write to consents. Access follows consent only through participants' sharing grants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.models import AccessEvent, Organisation, User
from participants.events import case_changed
from participants.models import Participant
from participants.services import sharing_grant_create, sharing_grants_revoke

from .models import Consent, ConsentParty, ParticipantExport

Action = AccessEvent.Action

MAX_SCAN_BYTES = 10 * 1024 * 1024
# What the file starts with decides its type: never its name or the browser's word for it.
SCAN_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def scan_content_type(scan: UploadedFile) -> str:
    """The scan's content type, read from its first bytes; ValidationError if not allowed."""
    if scan.size is not None and scan.size > MAX_SCAN_BYTES:
        raise ValidationError(_("The scan is larger than 10 MB."), code="too_large")
    scan.seek(0)
    head = scan.read(16)
    scan.seek(0)
    for signature, content_type in SCAN_SIGNATURES:
        if head.startswith(signature):
            return content_type
    raise ValidationError(_("The scan must be a PDF, JPEG or PNG file."), code="file_type")


def _save_consent(
    consent: Consent,
    *,
    scan: UploadedFile | None,
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
    recorded_by: User,
    organisations: Iterable[Organisation] = (),
    external_names: Iterable[str] = (),
    purpose: str,
    signed_on: date,
    signed_by: str,
    guardian_name: str = "",
    valid_until: date | None = None,
    scan: UploadedFile | None = None,
    request: HttpRequest | None = None,
) -> Consent:
    """Record a signed consent; each organisation party gets a sharing grant."""
    organisations = list(dict.fromkeys(organisations))
    external_names = [name.strip() for name in external_names if name.strip()]
    if not organisations and not external_names:
        raise ValidationError(_("Name at least one party information may be shared with."))
    consent = Consent(
        participant=participant,
        recorded_by=recorded_by,
        purpose=purpose.strip(),
        signed_on=signed_on,
        signed_by=signed_by,
        guardian_name=guardian_name.strip(),
        valid_until=valid_until,
    )
    if scan is not None:
        consent.scan_content_type = scan_content_type(scan)
    consent.full_clean(exclude=["scan"])
    parties = [ConsentParty(organisation=organisation) for organisation in organisations] + [
        ConsentParty(external_name=name) for name in external_names
    ]
    for party in parties:
        party.full_clean(exclude=["consent"])
    try:
        with transaction.atomic():
            _save_consent(consent, scan=scan, parties=parties, organisations=organisations)
            access_log.record(
                action=Action.CREATE,
                actor=recorded_by,
                request=request,
                obj=participant,
                detail=f"consent {consent.pk}",
            )
            case_changed(participant.pk)
    except Exception:
        # The file is not part of the transaction: remove it when the rows are rolled back.
        if consent.scan:
            consent.scan.delete(save=False)
        raise
    return consent


def consent_withdraw(
    *,
    consent: Consent,
    withdrawn_on: date,
    by_whom: str,
    recorded_by: User,
    request: HttpRequest | None = None,
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
        consent.withdrawal_recorded_by = recorded_by
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
        access_log.record(
            action=Action.CHANGE,
            actor=recorded_by,
            request=request,
            obj=consent.participant,
            detail=f"consent {consent.pk} withdrawn",
        )
        case_changed(consent.participant_id)
    return consent


# --- the right-of-access PDF -------------------------------------------------------------


def participant_export_request(
    *, participant: Participant, requested_by: User, request: HttpRequest | None = None
) -> ParticipantExport:
    """Queue a PDF of everything stored about the participant; reuse one still pending."""
    with transaction.atomic():
        export, created = pdf.request(
            ParticipantExport, subject={"participant": participant}, requested_by=requested_by
        )
        if created:
            access_log.record(
                action=Action.EXPORT,
                actor=requested_by,
                request=request,
                obj=participant,
                detail=f"case file pdf {export.pk}",
            )
    return export
