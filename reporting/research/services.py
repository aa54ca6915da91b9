"""Every write about research data: agreements, export requests, rendering and logging."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.models import AccessEvent, Role, User
from cm_portal.programmes.models import Programme
from participants.models import Participant

from . import files
from .anonymity import DEFAULT_K, Anonymised, k_anonymise
from .dataset import programme_codebook, research_rows
from .models import ExportFormat, ResearchAgreement, ResearchExport
from .pseudonyms import new_secret, seal, unseal

Action = AccessEvent.Action
OBJECT_TYPE = "research_agreement"


def _log_agreement(
    agreement_id: int,
    action: str,
    actor: User | None,
    client_address: str | None = None,
    *,
    detail: str,
) -> None:
    """Log a step on research data: it is named by its agreement."""
    access_log.record(
        action=action,
        actor=actor,
        client_address=client_address,
        object_type=OBJECT_TYPE,
        object_id=agreement_id,
        detail=detail,
    )


class AgreementNotValid(Exception):
    """The agreement has expired: no export is made under it."""


def _check_researchers(researchers: list[User]) -> None:
    if not researchers:
        raise ValidationError({"researchers": _("Name at least one researcher.")})
    for researcher in researchers:
        if researcher.role != Role.RESEARCHER or not researcher.is_active:
            raise ValidationError(
                {
                    "researchers": _("%(email)s is not an active account with the researcher role.")
                    % {"email": researcher.email}
                }
            )


def research_agreement_create(
    *,
    programme: Programme,
    institution: str,
    researchers: Iterable[User],
    purpose: str,
    approval_reference: str,
    expires_on: date,
    k: int = DEFAULT_K,
    actor: User | None,
    client_address: str | None = None,
) -> ResearchAgreement:
    """Record a data-sharing agreement about ``programme``, with a new pseudonym secret of
    its own. ``actor`` is the administrator (None: the management command)."""
    researchers = list(dict.fromkeys(researchers))
    _check_researchers(researchers)
    if expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _("The expiry date has passed.")})
    agreement = ResearchAgreement(
        programme=programme,
        institution=institution.strip(),
        purpose=purpose.strip(),
        approval_reference=approval_reference.strip(),
        expires_on=expires_on,
        k=k,
        secret_sealed=seal(new_secret()),
        created_by=actor,
    )
    agreement.full_clean()
    with transaction.atomic():
        agreement.save(force_insert=True)
        agreement.researchers.set(researchers)
        _log_agreement(
            agreement.pk,
            Action.CREATE,
            actor,
            client_address,
            detail=f"programme {programme.slug}, k {agreement.k}, {len(researchers)} researchers",
        )
    return agreement


# --- the data ------------------------------------------------------------------------------


def agreement_participants(agreement: ResearchAgreement) -> QuerySet[Participant]:
    """The participants the agreement is about: those enrolled in its programme."""
    return Participant.objects.filter(programme_id=agreement.programme_id)


def research_dataset(agreement: ResearchAgreement, *, day: date) -> Anonymised:
    """The agreement's k-anonymous rows on ``day``, sorted by pseudonym (so the order says
    nothing about when or where a participant was registered). Refuses an expired one."""
    if not agreement.is_valid_on(day):
        raise AgreementNotValid
    rows = research_rows(
        agreement_participants(agreement), day=day, secret=unseal(agreement.secret_sealed)
    )
    result = k_anonymise(rows, k=agreement.k)
    result.rows.sort(key=lambda row: row["pseudonym"])
    return result


def _summary(result: Anonymised) -> str:
    return (
        f"rows {len(result.rows)}, k {result.k}, "
        f"generalised {result.generalised}, dropped {result.dropped}"
    )


def _readme(agreement: ResearchAgreement, result: Anonymised, day: date) -> str:
    return (
        f"CM portal research export\n"
        f"Agreement: {agreement.pk} ({agreement.institution}, {agreement.approval_reference})\n"
        f"Export date: {day.isoformat()}\n"
        f"Rows: {len(result.rows)}\n"
        f"k: {result.k} (quasi-identifiers: gender, age_group, entry_path, "
        f"organisation_kind, start_quarter)\n"
        f"Rows generalised: {result.generalised}\n"
        f"Rows dropped: {result.dropped}\n"
        f"Variables: codebook.csv (Swedish and English)\n"
    )


# --- exports asked for by a researcher, rendered by the worker -----------------------------


def research_export_request(
    *,
    agreement: ResearchAgreement,
    file_format: str,
    actor: User,
    client_address: str | None = None,
) -> ResearchExport:
    """Queue an export under ``agreement`` (one still pending is reused). Refuses an
    expired agreement and anyone it does not name."""
    if file_format not in ExportFormat.values:
        raise ValidationError({"format": _("Choose CSV, SPSS or Stata.")})
    if not agreement.is_valid:
        raise ValidationError(_("The data-sharing agreement has expired: no export."))
    if not agreement.researchers.filter(pk=actor.pk, is_active=True).exists():
        raise ValidationError(_("Only a researcher named in the agreement may ask for exports."))
    with transaction.atomic():
        export, created = pdf.request(
            ResearchExport,
            subject={"agreement": agreement, "format": file_format},
            requested_by=actor,
        )
        if created:
            _log_agreement(
                agreement.pk,
                Action.EXPORT,
                actor,
                client_address,
                detail=f"research export {export.pk} {file_format} requested",
            )
    return export


def research_export_render(export: ResearchExport) -> bytes:
    """The worker's part: the ZIP of the data file and codebook as of today. The figures
    are kept on the instance and saved with the file (``research_export_stored``)."""
    day = timezone.localdate()
    result = research_dataset(export.agreement, day=day)
    export.export_date = day
    export.rows = len(result.rows)
    export.k = result.k
    export.generalised = result.generalised
    export.dropped = result.dropped
    return files.export_zip(
        result.rows,
        export.format,
        readme=_readme(export.agreement, result, day),
        variables=programme_codebook(export.agreement.programme),
    )


def research_export_stored(export: ResearchExport) -> None:
    """In the transaction that stores the file: its figures and the access-log row."""
    export.save(update_fields=["export_date", "rows", "k", "generalised", "dropped"])
    _log_agreement(
        export.agreement_id,
        Action.EXPORT,
        export.requested_by,
        detail=(
            f"research export {export.pk} {export.format}: rows {export.rows}, k {export.k}, "
            f"generalised {export.generalised}, dropped {export.dropped}"
        ),
    )


def research_export_downloaded(
    *, export: ResearchExport, actor: User, client_address: str | None = None
) -> None:
    """The access-log row of a download (the file leaves the portal here)."""
    _log_agreement(
        export.agreement_id,
        Action.EXPORT,
        actor,
        client_address,
        detail=(
            f"research export {export.pk} {export.format} downloaded: rows {export.rows}, "
            f"k {export.k}"
        ),
    )


# --- the management command ----------------------------------------------------------------


@dataclass(frozen=True)
class WrittenExport:
    data: bytes
    codebook: bytes
    result: Anonymised


def research_export_write(
    *, agreement: ResearchAgreement, file_format: str, actor: User | None = None
) -> WrittenExport:
    """The same export for operators and scripts (``manage.py research_export``), logged
    as a download is."""
    if file_format not in ExportFormat.values:
        raise ValidationError({"format": _("Choose CSV, SPSS or Stata.")})
    day = timezone.localdate()
    result = research_dataset(agreement, day=day)
    variables = programme_codebook(agreement.programme)
    written = WrittenExport(
        data=files.data_file(result.rows, file_format, variables=variables),
        codebook=files.codebook_csv(variables=variables),
        result=result,
    )
    _log_agreement(
        agreement.pk,
        Action.EXPORT,
        actor,
        detail=f"research export by command {file_format}: {_summary(result)}",
    )
    return written
