"""The documents of a programme's end (seed 001, issue 15): the final report both parties
write in the portal, and the written account one party gives the district.

A document is made of sections (``ClosingSection``), each edited with the plans' optimistic
lock (``plans.services.versioning.lock_version``) and kept as a revision on every save.
Every save moves the document's ``version`` on and withdraws the approvals given so far. The
document becomes final when a team lead of each organisation of the programme has approved
the same version: its figures are then computed once and frozen on the row, and its PDF is
asked of the worker once, through the PDF kit (``cm_portal.pdf``).

Free text must not hold a personal identity number or a participant reference: the
document is about the programme, never about a person (seed 001: "Dokumentation ... berör
inte personuppgifter").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.models import AccessEvent, Organisation, Role, User
from cm_portal.programmes.models import Programme
from consent.services import scan_content_type
from participants.identity import normalise_identity_number
from participants.models import Participant
from participants.services import reference_prefix
from plans.services.versioning import lock_version

from . import periods
from .exports import ACCOUNT_FIGURES, account_csv
from .models import (
    ClosingApproval,
    ClosingDocument,
    ClosingKind,
    ClosingPdf,
    ClosingSection,
    ClosingSectionRevision,
    ClosingStatus,
    SectionKey,
)
from .selectors import report_context

Action = AccessEvent.Action

TEMPLATE = "reporting/pdf/closing_document.html"
# How the URLs name the kinds.
KIND_SLUGS = {
    "final-report": ClosingKind.FINAL_REPORT,
    "written-account": ClosingKind.WRITTEN_ACCOUNT,
}
# The research file: a PDF of at most this size.
MAX_RESEARCH_FILE_BYTES = 10 * 1024 * 1024
# The parts of the final report, in seed 001's order (CONTRIBUTION: one per organisation).
FINAL_REPORT_PARTS = (
    SectionKey.CARRIED_OUT,
    SectionKey.GOALS,
    SectionKey.CONTRIBUTION,
    SectionKey.TIMETABLE_BUDGET,
    SectionKey.LEARNT,
    SectionKey.RESEARCH,
)


class SectionConflict(ValidationError):
    """Someone else saved the section after this form was loaded."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved this section while you were editing it. Your text was not "
                "saved, but it is kept in the form below: open the section again in a new tab "
                "to read theirs, then add your change."
            ),
            code="conflict",
        )


# Free text ------------------------------------------------------------------------------

# Ten or twelve digits, with or without a separator, not inside a longer number.
_IDENTITY_CANDIDATE = re.compile(r"(?<![\d-])(?:\d{2})?\d{6}[-+ ]?\d{4}(?![\d])")
# A reference as the portal makes them: the organisation's letters, a dash, a number.
_REFERENCE_CANDIDATE = re.compile(r"\b[A-ZÅÄÖ]{1,6}(?:-[A-Z0-9ÅÄÖ]+)+\b", re.IGNORECASE)


def _holds_identity_number(text: str, *, today: date) -> bool:
    for match in _IDENTITY_CANDIDATE.finditer(text):
        candidate = match[0]
        try:
            normalise_identity_number(candidate.replace(" ", "-"), today=today)
        except ValidationError as error:
            # A date that exists, written with a separator, is refused even with a wrong
            # check digit: it is someone's number mistyped.
            if error.code == "checksum" and re.search(r"[-+ ]", candidate):
                return True
            continue
        return True
    return False


def _reference_patterns(programme: Programme) -> re.Pattern[str]:
    prefixes = sorted(
        {reference_prefix(organisation) for organisation in programme.organisations.all()} or {"HM"}
    )
    alternatives = "|".join(re.escape(prefix) for prefix in prefixes)
    return re.compile(rf"\b(?:{alternatives})-\d+\b", re.IGNORECASE)


def _holds_reference(text: str, programme: Programme) -> bool:
    if _reference_patterns(programme).search(text):
        return True
    # A reference typed by hand at intake (e.g. "HM-DOC-1") is refused too.
    candidates = {match[0] for match in _REFERENCE_CANDIDATE.finditer(text)}
    if not candidates:
        return False
    upper = {candidate.upper() for candidate in candidates}
    return Participant.objects.filter(reference__in=candidates | upper).exists()


def personal_data_check(
    values: dict[str, str], *, place: str, programme: Programme, today: date | None = None
) -> None:
    """Refuse free text that holds a personal identity number or a participant reference,
    naming ``place`` (the section) and the field; ``ValidationError`` keyed by field."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    for field, text in values.items():
        if not text:
            continue
        if _holds_identity_number(text, today=today):
            errors[field] = _(
                "%(place)s: the text holds what looks like a personal identity number. The "
                "final documents are about the programme, never about a person: remove it."
            ) % {"place": place}
        elif _holds_reference(text, programme):
            errors[field] = _(
                "%(place)s: the text holds a participant's reference. The final documents "
                "are about the programme, never about a person: remove it."
            ) % {"place": place}
    if errors:
        raise ValidationError(errors)


def research_file_check(upload: UploadedFile) -> None:
    """A PDF the PDF library opens whole (the consent scans' check), at most 10 MB."""
    if upload.size is not None and upload.size > MAX_RESEARCH_FILE_BYTES:
        raise ValidationError(
            {"attachment": _("The research file is larger than 10 MB.")}, code="too_large"
        )
    try:
        content_type = scan_content_type(upload)
    except ValidationError:
        content_type = ""
    if content_type != "application/pdf":
        raise ValidationError(
            {"attachment": _("The research file must be a whole PDF file.")}, code="file_type"
        )


# Who may do what --------------------------------------------------------------------------


def is_party_team_lead(user: User, programme: Programme) -> bool:
    """A team lead of an organisation taking part in ``programme``."""
    return (
        user.role == Role.TEAM_LEAD
        and user.organisation_id is not None
        and programme.organisations.filter(pk=user.organisation_id).exists()
    )


def can_edit_section(user: User, section: ClosingSection) -> bool:
    """An organisation's own sections (its contribution, its written account) only its team
    lead; the shared ones the programme's team leads and its steering-group members."""
    document = section.document
    if document.is_final:
        return False
    if section.organisation_id is not None:
        return user.role == Role.TEAM_LEAD and user.organisation_id == section.organisation_id
    if user.role == Role.STEERING_GROUP:
        return document.programme.members.filter(pk=user.pk).exists()
    return is_party_team_lead(user, document.programme)


def can_approve(user: User, document: ClosingDocument) -> bool:
    return not document.is_final and is_party_team_lead(user, document.programme)


def can_start(user: User, programme: Programme, kind: str) -> bool:
    """The final report: a team lead or steering-group member of the programme; the written
    account: a team lead (it is their organisation's account)."""
    if is_party_team_lead(user, programme):
        return True
    return (
        kind == ClosingKind.FINAL_REPORT
        and user.role == Role.STEERING_GROUP
        and programme.members.filter(pk=user.pk).exists()
    )


# Reads --------------------------------------------------------------------------------------


def closing_document_of(programme: Programme, kind: str) -> ClosingDocument | None:
    return (
        ClosingDocument.objects.select_related("programme", "organisation")
        .filter(programme=programme, kind=kind)
        .first()
    )


def sections_of(document: ClosingDocument) -> QuerySet[ClosingSection]:
    return document.sections.select_related("organisation", "updated_by").order_by("position", "pk")


def section_title(section: ClosingSection) -> str:
    if section.key == SectionKey.CONTRIBUTION and section.organisation is not None:
        return _("Whether %(organisation)s contributed as agreed") % {
            "organisation": section.organisation.name
        }
    if section.key == SectionKey.ACCOUNT and section.document.organisation is not None:
        return _("The account of %(organisation)s") % {
            "organisation": section.document.organisation.name
        }
    return str(SectionKey(section.key).label)


def approval_state(document: ClosingDocument) -> list[dict[str, Any]]:
    """Each organisation of the programme with its standing approval (or None)."""
    standing = {
        approval.organisation_id: approval
        for approval in document.approvals.filter(withdrawn_at__isnull=True).select_related(
            "approved_by"
        )
    }
    return [
        {"organisation": organisation, "approval": standing.get(organisation.pk)}
        for organisation in document.programme.organisations.order_by("name")
    ]


def closing_pdf_of(document: ClosingDocument) -> ClosingPdf | None:
    return document.pdfs.order_by("-requested_at", "-pk").first()


# Figures --------------------------------------------------------------------------------


def closing_figures(document: ClosingDocument, *, today: date | None = None) -> dict[str, Any]:
    """What the document shows of the figures: for the final report every goal cumulatively
    against its target over the whole programme; for the written account its organisation's
    activity. In the portal's language, disclosure-controlled (``report_context``)."""
    today = today or timezone.localdate()
    programme = document.programme
    period = periods.whole_programme(programme)
    with translation.override(settings.LANGUAGE_CODE):
        context = report_context(
            programme=programme,
            period=period,
            organisation=document.organisation,
            today=today,
            trend_quarters=[],
            equality=document.kind == ClosingKind.FINAL_REPORT,
        )
        figures: dict[str, Any] = {
            "as_of": today.isoformat(),
            "period": {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "label": str(period.label),
            },
        }
        if document.kind == ClosingKind.FINAL_REPORT:
            figures["goals"] = [
                {
                    "code": row["code"],
                    "name": str(row["name"]),
                    "target": str(row["target"]),
                    "met": row["figures"].get("met", ""),
                    "base": row["figures"].get("evaluable") or row["figures"].get("cohort", ""),
                    "percent": row["figures"].get("percent", ""),
                    "status": row["status"]["label"] if row["status"] else "",
                }
                for row in context["goal_tables"][1]["rows"]
            ]
            # The equality view over the whole programme (reporting.equality), frozen with
            # the rest: its tables are text after disclosure control.
            figures["equality"] = {key: context["equality"][key] for key in ("tables", "funnel")}
        activity = context["figures"]["activity"]
        figures["account"] = [
            {"key": key, "label": str(label), "value": activity[key]}
            for key, label in ACCOUNT_FIGURES.items()
        ]
    return figures


# Writes -----------------------------------------------------------------------------------


def _log_document(
    document: ClosingDocument, action: str, actor: User, client_address: str | None, *, detail: str
) -> None:
    """Log a step of a closing document by a member of the programme (on the document)."""
    access_log.record(
        action=action, actor=actor, client_address=client_address, obj=document, detail=detail
    )


def closing_document_start(
    *, programme: Programme, kind: str, actor: User, client_address: str | None = None
) -> ClosingDocument:
    """The programme's draft of ``kind``, with its sections; the one there is if started."""
    kind = ClosingKind(kind)
    if not can_start(actor, programme, kind):
        raise ValidationError(_("Only a team lead of the programme may start this document."))
    with transaction.atomic():
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        existing = ClosingDocument.objects.filter(programme=programme, kind=kind).first()
        if existing is not None:
            return existing
        document = ClosingDocument(
            programme=programme,
            kind=kind,
            created_by=actor,
            organisation=actor.organisation if kind == ClosingKind.WRITTEN_ACCOUNT else None,
        )
        document.full_clean()
        document.save()
        sections: list[ClosingSection] = []
        if kind == ClosingKind.FINAL_REPORT:
            for key in FINAL_REPORT_PARTS:
                if key == SectionKey.CONTRIBUTION:
                    sections.extend(
                        ClosingSection(document=document, key=key, organisation=organisation)
                        for organisation in programme.organisations.order_by("name")
                    )
                else:
                    sections.append(ClosingSection(document=document, key=key))
        else:
            sections.append(
                ClosingSection(
                    document=document, key=SectionKey.ACCOUNT, organisation=document.organisation
                )
            )
        for position, section in enumerate(sections, start=1):
            section.position = position
        ClosingSection.objects.bulk_create(sections)
        _log_document(document, Action.CREATE, actor, client_address, detail=f"{kind} started")
    return document


def contribution_sections_complete(document: ClosingDocument) -> int:
    """Give an organisation that joined the programme after the final report was started
    its own contribution part (empty, before the learnt part). Returns how many were added."""
    if document.kind != ClosingKind.FINAL_REPORT or document.is_final:
        return 0
    with transaction.atomic():
        ClosingDocument.objects.select_for_update().filter(pk=document.pk).first()
        have = set(
            document.sections.filter(key=SectionKey.CONTRIBUTION).values_list(
                "organisation_id", flat=True
            )
        )
        joined = document.programme.organisations.exclude(pk__in=have).order_by("name")
        last = (
            document.sections.filter(key=SectionKey.CONTRIBUTION)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        ) or 0
        added = [
            ClosingSection(
                document=document,
                key=SectionKey.CONTRIBUTION,
                organisation=organisation,
                position=last,
            )
            for organisation in joined
        ]
        ClosingSection.objects.bulk_create(added)
    return len(added)


def _withdraw_approvals(document: ClosingDocument, *, now) -> int:
    return document.approvals.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)


def closing_section_save(
    *,
    section: ClosingSection,
    text: str,
    expected_version: int,
    actor: User,
    budget_ceiling: int | None = None,
    budget_used: int | None = None,
    attachment: UploadedFile | None = None,
    client_address: str | None = None,
) -> ClosingSection:
    """Save one section at the version its form was loaded with (``SectionConflict``
    otherwise, nothing changed); keep the revision; move the document's version on and
    withdraw every approval given so far."""
    place = section_title(section)
    if not can_edit_section(actor, section):
        raise ValidationError(_("You may not change this section."))
    document_pk = section.document_id
    with transaction.atomic():
        # The document first: an approval and an edit never interleave.
        document = ClosingDocument.objects.select_for_update().get(pk=document_pk)
        if document.is_final:
            raise ValidationError(_("The document is final and can no longer be changed."))
        locked = lock_version(
            ClosingSection, section.pk, expected_version=expected_version, conflict=SectionConflict
        )
        personal_data_check({"text": text}, place=place, programme=document.programme)
        errors: dict[str, str] = {}
        if locked.key == SectionKey.TIMETABLE_BUDGET:
            if (budget_ceiling is None) != (budget_used is None):
                errors["budget_used" if budget_used is None else "budget_ceiling"] = _(
                    "%(place)s: give both the district's contribution and what was used of it."
                ) % {"place": place}
            elif (
                budget_ceiling is not None
                and budget_used is not None
                and budget_used > budget_ceiling
            ):
                errors["budget_used"] = _(
                    "%(place)s: more was used (%(used)s kr) than the district's "
                    "contribution allows (%(ceiling)s kr)."
                ) % {"place": place, "used": budget_used, "ceiling": budget_ceiling}
        elif budget_ceiling is not None or budget_used is not None:
            errors["budget_ceiling"] = _("Only the timetable and budget section has a budget.")
        if attachment is not None and locked.key != SectionKey.RESEARCH:
            errors["attachment"] = _("Only the research section has an attached file.")
        if errors:
            raise ValidationError(errors)
        if attachment is not None:
            research_file_check(attachment)
        locked.text = text
        locked.budget_ceiling = budget_ceiling
        locked.budget_used = budget_used
        now = timezone.now()
        if attachment is not None:
            old = locked.attachment.name if locked.attachment else ""
            locked.attachment.save("research.pdf", attachment, save=False)
            if old:
                # Kept by name only in the history; the file itself is replaced.
                transaction.on_commit(lambda: locked.attachment.storage.delete(old))
        locked.version += 1
        locked.updated_at = now
        locked.updated_by = actor
        locked.full_clean(exclude=["attachment"])
        locked.save(
            update_fields=[
                "text",
                "budget_ceiling",
                "budget_used",
                "attachment",
                "version",
                "updated_at",
                "updated_by",
            ]
        )
        ClosingSectionRevision.objects.create(
            section=locked,
            version=locked.version,
            text=locked.text,
            budget_ceiling=locked.budget_ceiling,
            budget_used=locked.budget_used,
            attachment=locked.attachment.name if locked.attachment else "",
            saved_at=now,
            saved_by=actor,
        )
        withdrawn = _withdraw_approvals(document, now=now)
        document.version += 1
        document.save(update_fields=["version"])
        _log_document(
            document,
            Action.CHANGE,
            actor,
            client_address,
            detail=f"section {locked.key} v{locked.version}; {withdrawn} approval(s) withdrawn",
        )
    return locked


def unwritten_sections(document: ClosingDocument) -> list[ClosingSection]:
    return [section for section in sections_of(document) if not section.is_written]


def closing_document_approve(
    *,
    document: ClosingDocument,
    expected_version: int,
    actor: User,
    client_address: str | None = None,
    today: date | None = None,
) -> ClosingApproval:
    """Approve ``expected_version`` of the document for the actor's organisation. When it
    is the last organisation's, the document becomes final: its figures are frozen and its
    PDF is asked of the worker, once."""
    today = today or timezone.localdate()
    # An organisation that joined since the start gets its part now: unwritten, it stops
    # the approval below (committed on its own, so the refusal does not undo it).
    contribution_sections_complete(document)
    with transaction.atomic():
        document = (
            ClosingDocument.objects.select_for_update(of=("self",))
            .select_related("programme", "organisation")
            .get(pk=document.pk)
        )
        if document.is_final:
            raise ValidationError(_("The document is final already."))
        if not can_approve(actor, document):
            raise ValidationError(_("Only a team lead of the programme may approve it."))
        if document.version != expected_version:
            raise ValidationError(
                _(
                    "The document was changed after you read it. Nothing was approved: read "
                    "it again, then approve."
                ),
                code="conflict",
            )
        missing = unwritten_sections(document)
        if missing:
            raise ValidationError(
                _("Not yet written: %(sections)s. Write every part before approving.")
                % {"sections": ", ".join(section_title(section) for section in missing)}
            )
        if document.kind == ClosingKind.WRITTEN_ACCOUNT and today < document.programme.end:
            raise ValidationError(
                _(
                    "The written account is given at the programme's end: approve it "
                    "on or after its last day, %(end)s."
                )
                % {"end": document.programme.end.isoformat()}
            )
        if document.approvals.filter(
            withdrawn_at__isnull=True, organisation_id=actor.organisation_id
        ).exists():
            raise ValidationError(_("Your organisation has approved this version already."))
        approval = ClosingApproval(
            document=document,
            organisation_id=actor.organisation_id,
            version=document.version,
            approved_by=actor,
        )
        approval.full_clean(validate_constraints=False)
        approval.save()
        _log_document(
            document, Action.CHANGE, actor, client_address, detail=f"approved v{document.version}"
        )
        approved = set(
            document.approvals.filter(
                withdrawn_at__isnull=True, version=document.version
            ).values_list("organisation_id", flat=True)
        )
        parties = set(document.programme.organisations.values_list("pk", flat=True))
        if parties and parties <= approved:
            _finalise(document, today=today, actor=actor)
    return approval


def _finalise(document: ClosingDocument, *, today: date, actor: User) -> None:
    """Freeze the figures and ask for the PDF: a conditional UPDATE, so it happens once."""
    figures = closing_figures(document, today=today)
    now = timezone.now()
    changed = ClosingDocument.objects.filter(pk=document.pk, status=ClosingStatus.DRAFT).update(
        status=ClosingStatus.FINAL, finalised_at=now, figures=figures
    )
    if not changed:
        return
    document.status, document.finalised_at, document.figures = ClosingStatus.FINAL, now, figures
    pdf.request(ClosingPdf, subject={"document": document})
    access_log.record(
        action=Action.CHANGE, actor=actor, obj=document, detail=f"final at v{document.version}"
    )


# The PDF and the CSV ------------------------------------------------------------------------


def closing_pdf_context(document: ClosingDocument) -> dict[str, Any]:
    sections = list(sections_of(document))
    return {
        "document": document,
        "programme": document.programme,
        "kind_label": ClosingKind(document.kind).label,
        "sections": [{"section": s, "title": section_title(s)} for s in sections],
        "figures": document.figures or {},
        "approvals": document.approvals.filter(
            withdrawn_at__isnull=True, version=document.version
        ).select_related("organisation", "approved_by"),
    }


def closing_pdf_html(document: ClosingDocument) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, closing_pdf_context(document))


def closing_pdf_render(row: ClosingPdf) -> bytes:
    return pdf.html_to_pdf(closing_pdf_html(row.document))


def closing_pdf_stored(row: ClosingPdf) -> None:
    access_log.record(
        action=Action.PRINT,
        object_type="closingdocument",
        object_id=row.document_id,
        detail=f"closing pdf {row.pk} generated",
    )


def written_account_csv(document: ClosingDocument) -> bytes:
    """The frozen account figures, as the account export writes them."""
    figures = document.figures or {}
    activity = {row["key"]: row["value"] for row in figures.get("account", [])}
    period = periods.whole_programme(document.programme)
    return account_csv(activity, period)


def closing_download_log(
    *, document: ClosingDocument, actor: User, what: str, client_address: str | None
) -> None:
    _log_document(document, Action.EXPORT, actor, client_address, detail=f"{what} downloaded")


def organisations_of(programme: Programme) -> QuerySet[Organisation]:
    return programme.organisations.order_by("name")
