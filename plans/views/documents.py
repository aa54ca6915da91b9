"""The plan PDFs: request "Min plan" or a meeting's invitation letter, watch, download."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.access_log import client_address
from cm_portal.models import AccessEvent
from cm_portal.views.common import act
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from participants.access import access_participant

from ..access import access_document, access_meeting
from ..models import DocumentKind, PlanDocument
from ..services import documents as services
from ..services import meetings as meeting_services

Action = AccessEvent.Action
FILENAMES = {
    DocumentKind.MY_PLAN: "min-plan.pdf",
    DocumentKind.INVITATION: "kallelse.pdf",
    DocumentKind.MINUTES: "intern-sip-blankett.pdf",
}

# Access is checked before the method, so that someone who may not see the participant
# gets 404 for every method (security.md 2), never a 405 that confirms the object exists.


def my_plan_request(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    document = services.my_plan_request(
        participant=participant, actor=request.user, client_address=client_address(request)
    )
    messages.success(request, _("The participant's own copy of the plan is being produced."))
    return redirect("plans:document_status", pk=document.participant_id, document_pk=document.pk)


def invitation_letter_request(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    return _meeting_document_request(
        request,
        pk,
        meeting_pk,
        services.invitation_letter_request,
        _("The invitation letter is being produced."),
    )


def minutes_pdf_request(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    return _meeting_document_request(
        request,
        pk,
        meeting_pk,
        services.minutes_pdf_request,
        _("The Intern-SIP form is being produced."),
    )


def _meeting_document_request(
    request: HttpRequest,
    pk: int,
    meeting_pk: int,
    request_document: Callable[..., PlanDocument],
    produced: str,
) -> HttpResponse:
    """Ask for a meeting's document; what the service refuses goes back to the meeting."""
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    done = act(request, request_document, meeting=meeting)
    if not done:
        return redirect("plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk)
    document = done.value
    messages.success(request, produced)
    return redirect("plans:document_status", pk=document.participant_id, document_pk=document.pk)


def _lapsed_parties(document) -> list[str]:
    """A meeting document's outside parties no consent valid today covers any more."""
    if document.kind not in services.MEETING_KINDS:
        return []
    document.meeting.participant = document.participant
    return meeting_services.meeting_uncovered_parties(document.meeting)


def document_status(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    document = access_document(request.user, document_pk, participant_pk=pk)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    access_log.record_request(
        request,
        action=Action.VIEW,
        obj=document.participant,
        detail=f"plan document {document.pk}",
    )
    lapsed = _lapsed_parties(document)
    return render(
        request,
        "plans/documents/status.html",
        {
            "document": document,
            "participant": document.participant,
            "current": "plan" if document.kind == DocumentKind.MY_PLAN else "meetings",
            "ready": document.is_ready and not lapsed,
            "lapsed_message": meeting_services.lapsed_consent_message(lapsed) if lapsed else "",
        },
    )


def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    document = access_document(request.user, document_pk, participant_pk=pk)
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    if lapsed := _lapsed_parties(document):
        # A letter made while the consent held is not handed out once it has lapsed.
        messages.error(request, meeting_services.lapsed_consent_message(lapsed))
        return redirect(
            "plans:document_status", pk=document.participant_id, document_pk=document.pk
        )
    # The file name is fixed: nothing about the participant in it.
    filename = FILENAMES[DocumentKind(document.kind)]
    response = pdf.download(document.file, ready=document.is_ready, filename=filename)
    access_log.record_request(
        request,
        action=Action.PRINT,
        obj=document.participant,
        detail=f"plan document {document.pk} downloaded",
    )
    return response
