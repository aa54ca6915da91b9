"""The plan PDFs ("Min plan", a meeting's invitation letter): requested here, rendered by
the PDF kit's task (``cm_portal.pdf``), downloaded once ready (as the participant export).
What is particular to them: their templates, their context, their access-log rows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cm_portal import access_log, pdf
from cm_portal.models import AccessEvent, User
from participants.models import Participant

from ..models import CoordinationMeeting, DocumentKind, MeetingStatus, PlanDocument
from ..selectors import documents as selectors
from . import meetings

Action = AccessEvent.Action

TEMPLATES = {
    DocumentKind.MY_PLAN: "plans/documents/my_plan_pdf.html",
    DocumentKind.INVITATION: "plans/documents/invitation_pdf.html",
    DocumentKind.MINUTES: "plans/documents/minutes_pdf.html",
}
# The kinds made for a meeting: they name its outside parties (consent checked again).
MEETING_KINDS = (DocumentKind.INVITATION, DocumentKind.MINUTES)


def _log(
    document: PlanDocument,
    action: str,
    actor: User | None,
    client_address: str | None,
    what: str,
) -> None:
    """Log a step of a plan PDF on its participant, naming the document by kind and id only:
    never anything personal."""
    if document.kind == DocumentKind.MY_PLAN:
        name = f"my plan {document.pk}"
    elif document.kind == DocumentKind.MINUTES:
        name = f"minutes {document.pk} meeting {document.meeting_id}"
    else:
        name = f"invitation letter {document.pk} meeting {document.meeting_id}"
    access_log.record(
        action=action,
        actor=actor,
        client_address=client_address,
        # The participant, by id: no query for a row already known.
        object_type="participant",
        object_id=document.participant_id,
        detail=f"{name} {what}",
    )


def _queue(
    participant: Participant,
    kind: str,
    meeting: CoordinationMeeting | None,
    actor: User,
    client_address: str | None,
) -> PlanDocument:
    with transaction.atomic():
        document, created = pdf.request(
            PlanDocument,
            subject={"participant": participant, "kind": kind, "meeting": meeting},
            requested_by=actor,
        )
        _log(
            document,
            Action.EXPORT,
            actor,
            client_address,
            "requested" if created else "asked again",
        )
    return document


def _queue_of_meeting(
    meeting: CoordinationMeeting, kind: str, actor: User, client_address: str | None
) -> PlanDocument:
    """Queue a document of ``meeting``: it names the outside parties, so each must still be
    covered by a consent valid today."""
    meetings.meeting_require_consent(meeting)
    return _queue(meeting.participant, kind, meeting, actor, client_address)


def my_plan_request(
    *, participant: Participant, actor: User, client_address: str | None = None
) -> PlanDocument:
    """Queue the participant's own plain-language copy of their plan ("Min plan")."""
    return _queue(participant, DocumentKind.MY_PLAN, None, actor, client_address)


def invitation_letter_request(
    *, meeting: CoordinationMeeting, actor: User, client_address: str | None = None
) -> PlanDocument:
    """Queue the invitation letter (kallelse) of a coordination meeting; it names the outside
    parties, so each must still be covered by a consent valid today."""
    return _queue_of_meeting(meeting, DocumentKind.INVITATION, actor, client_address)


def minutes_pdf_request(
    *, meeting: CoordinationMeeting, actor: User, client_address: str | None = None
) -> PlanDocument:
    """Queue the Intern-SIP form (the minutes with signature lines) of a held meeting; it
    names the outside parties, so each must still be covered by a consent valid today."""
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(
            _("The Intern-SIP form is made once the meeting is recorded as held."),
            code="not_held",
        )
    return _queue_of_meeting(meeting, DocumentKind.MINUTES, actor, client_address)


def plan_document_html(document: PlanDocument) -> str:
    """The document's HTML, in the portal's language (Swedish) whoever asked for it."""
    context: dict[str, Any]
    if document.kind == DocumentKind.MY_PLAN:
        context = {"plan": selectors.my_plan_data(document.participant)}
    elif document.kind == DocumentKind.MINUTES and document.meeting is not None:
        context = {"form": selectors.minutes_data(document.meeting)}
    elif document.meeting is not None:  # an invitation letter has its meeting
        context = {"letter": selectors.invitation_data(document.meeting)}
    else:
        raise ValueError(f"plan document {document.pk} has no meeting to invite to")
    context["printed_on"] = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATES[DocumentKind(document.kind)], context)


def plan_document_pdf(document: PlanDocument) -> bytes:
    """What the PDF kit renders. An invitation letter names outside parties: the consent is
    checked again here, in the worker, since it may have lapsed after the request."""
    if document.kind in MEETING_KINDS and document.meeting is not None:
        uncovered = meetings.meeting_uncovered_parties(document.meeting)
        if uncovered:
            _log(
                document,
                Action.REFUSED,
                document.requested_by,
                None,
                "not generated: consent lapsed",
            )
            raise meetings.ConsentLapsed(uncovered)
    return pdf.html_to_pdf(plan_document_html(document))


def plan_document_stored(document: PlanDocument) -> None:
    """Log the generation, in the transaction that stores the file."""
    _log(document, Action.PRINT, document.requested_by, None, "generated")
