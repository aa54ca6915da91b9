"""The final report and the written account of a programme: read, write a section, see its
history, approve, download.

Whoever may read the programme's reports (its steering- and project-group members, the team
leads of its organisations) reads the documents; anyone else gets 404 for every URL and
method, as for a programme that does not exist. Writing and approving are narrower
(``reporting.final_report``); a refusal is 404 too, naming nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.access_log import client_address
from cm_portal.models import AccessEvent
from cm_portal.programmes.access import access_programme_reports
from cm_portal.programmes.models import Programme
from cm_portal.views.common import act, confirmation_page, confirmed, submit_versioned
from cm_portal.views.common import method_not_allowed as _method_not_allowed

from .. import final_report as services
from ..exports import CSV_CONTENT_TYPE
from ..forms import ClosingSectionForm, ClosingVersionForm
from ..models import ClosingDocument, ClosingKind, ClosingSection, SectionKey

Action = AccessEvent.Action


def _access(request: HttpRequest, slug: str, kind: str) -> tuple[Programme, ClosingKind]:
    programme = access_programme_reports(request.user, slug)  # type: ignore[arg-type]
    if kind not in services.KIND_SLUGS:
        raise Http404
    return programme, services.KIND_SLUGS[kind]


def _document(programme: Programme, kind: ClosingKind) -> ClosingDocument:
    document = services.closing_document_of(programme, kind)
    if document is None:
        raise Http404
    return document


def _detail_url(document: ClosingDocument) -> str:
    return reverse(
        "reporting:closing",
        kwargs={"slug": document.programme.slug, "kind": document.slug_kind},
    )


def closing_detail(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    programme, closing_kind = _access(request, slug, kind)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    user = request.user
    document = services.closing_document_of(programme, closing_kind)
    context: dict = {
        "programme": programme,
        "kind": closing_kind,
        "kind_slug": kind,
        "kind_label": closing_kind.label,
        "document": document,
        "can_start": document is None and services.can_start(user, programme, closing_kind),  # type: ignore[arg-type]
    }
    if document is not None:
        sections = list(services.sections_of(document))
        context |= {
            "sections": [
                {
                    "section": section,
                    "title": services.section_title(section),
                    "can_edit": services.can_edit_section(user, section),  # type: ignore[arg-type]
                }
                for section in sections
            ],
            "approvals": services.approval_state(document),
            "can_approve": services.can_approve(user, document),  # type: ignore[arg-type]
            "approve_form": ClosingVersionForm(initial={"version": document.version}),
            "figures": document.figures
            if document.is_final
            else services.closing_figures(document, today=timezone.localdate()),
            "pdf": services.closing_pdf_of(document),
        }
    access_log.record_request(
        request,
        action=Action.VIEW,
        object_type="closingdocument",
        object_id=document.pk if document else "",
        detail=f"{closing_kind} of {programme.slug}",
    )
    return render(request, "reporting/closing/detail.html", context)


def closing_start(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    programme, closing_kind = _access(request, slug, kind)
    if refused := _method_not_allowed(request, "POST"):
        return refused
    if not services.can_start(request.user, programme, closing_kind):  # type: ignore[arg-type]
        raise Http404
    document = services.closing_document_start(
        programme=programme,
        kind=closing_kind,
        actor=request.user,  # type: ignore[arg-type]
        client_address=client_address(request),
    )
    return redirect(_detail_url(document))


def _section_of(document: ClosingDocument, pk: int) -> ClosingSection:
    return get_object_or_404(
        ClosingSection.objects.select_related("document__programme", "organisation"),
        document=document,
        pk=pk,
    )


def closing_section_edit(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    programme, closing_kind = _access(request, slug, kind)
    document = _document(programme, closing_kind)
    section = _section_of(document, pk)
    if not services.can_edit_section(request.user, section):  # type: ignore[arg-type]
        raise Http404
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    options = {
        "budget": section.key == SectionKey.TIMETABLE_BUDGET,
        "attachment": section.key == SectionKey.RESEARCH,
    }
    initial = {
        "version": section.version,
        "text": section.text,
        "budget_ceiling": section.budget_ceiling,
        "budget_used": section.budget_used,
    }
    if request.method == "POST":
        form = ClosingSectionForm(request.POST, request.FILES, initial=initial, **options)
    else:
        form = ClosingSectionForm(initial=initial, **options)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done, status = submit_versioned(
            request,
            form,
            services.closing_section_save,
            invalid_status=400,
            section=section,
            text=data["text"],
            budget_ceiling=data.get("budget_ceiling"),
            budget_used=data.get("budget_used"),
            attachment=data.get("attachment"),
            expected_version=data["version"],
        )
        if done:
            messages.success(
                request,
                _("The section was saved. Approvals given before this change are withdrawn."),
            )
            return redirect(_detail_url(document))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "reporting/closing/section_edit.html",
        {
            "programme": programme,
            "document": document,
            "kind_label": closing_kind.label,
            "section": section,
            "title": services.section_title(section),
            "form": form,
            "detail_url": _detail_url(document),
        },
        status=status,
    )


def closing_section_history(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    programme, closing_kind = _access(request, slug, kind)
    document = _document(programme, closing_kind)
    section = _section_of(document, pk)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    return render(
        request,
        "reporting/closing/section_history.html",
        {
            "programme": programme,
            "document": document,
            "kind_label": closing_kind.label,
            "section": section,
            "title": services.section_title(section),
            "revisions": section.revisions.select_related("saved_by"),
            "detail_url": _detail_url(document),
        },
    )


def closing_approve(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    programme, closing_kind = _access(request, slug, kind)
    document = _document(programme, closing_kind)
    if not services.can_approve(request.user, document):  # type: ignore[arg-type]
        raise Http404
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = ClosingVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Open the document again and repeat the approval."))
        return redirect(_detail_url(document))
    if not confirmed(request):
        organisation = request.user.organisation  # type: ignore[union-attr]
        return confirmation_page(
            request,
            title=_("Approve the %(kind)s?") % {"kind": str(closing_kind.label).lower()},
            consequences=[
                _("You approve version %(version)s as it stands, for %(organisation)s.")
                % {"version": document.version, "organisation": organisation.name},
                _(
                    "When a team lead of each organisation has approved this version, the "
                    "document is final: its figures are frozen as of that day, its PDF is "
                    "produced and nobody can change it any more."
                ),
                _("A change to any section before then withdraws every approval."),
            ],
            confirm_label=_("Approve"),
            cancel_url=_detail_url(document),
        )
    approved = act(
        request,
        services.closing_document_approve,
        document=document,
        expected_version=form.cleaned_data["version"],
    )
    if approved:
        document.refresh_from_db(fields=["status"])
        if document.is_final:
            messages.success(
                request, _("Approved. Every organisation has approved: the document is final.")
            )
        else:
            messages.success(
                request, _("Approved. The document is final once every organisation approves.")
            )
    return redirect(_detail_url(document))


def _final(programme: Programme, closing_kind: ClosingKind) -> ClosingDocument:
    document = _document(programme, closing_kind)
    if not document.is_final:
        raise Http404
    return document


def closing_pdf_download(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    programme, closing_kind = _access(request, slug, kind)
    document = _final(programme, closing_kind)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    row = services.closing_pdf_of(document)
    if row is None:
        raise Http404
    response = pdf.download(row.file, ready=row.is_ready, filename=row.filename)
    services.closing_download_log(
        document=document,
        actor=request.user,  # type: ignore[arg-type]
        what="pdf",
        client_address=client_address(request),
    )
    return response


def closing_csv_download(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    programme, closing_kind = _access(request, slug, kind)
    if closing_kind != ClosingKind.WRITTEN_ACCOUNT:
        raise Http404
    document = _final(programme, closing_kind)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    services.closing_download_log(
        document=document,
        actor=request.user,  # type: ignore[arg-type]
        what="csv",
        client_address=client_address(request),
    )
    response = HttpResponse(services.written_account_csv(document), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="written-account-{programme.slug}.csv"'
    return response


def closing_research_file(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    programme, closing_kind = _access(request, slug, kind)
    document = _document(programme, closing_kind)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    section = document.sections.filter(key=SectionKey.RESEARCH).first()
    if section is None or not section.attachment:
        raise Http404
    return pdf.download(section.attachment, ready=True, filename=f"research-{programme.slug}.pdf")
