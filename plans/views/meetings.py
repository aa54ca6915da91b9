"""Coordination meeting pages: the list, booking, one meeting with its next step."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.access_log import client_address
from cm_portal.models import AccessEvent
from cm_portal.views.common import add_service_errors as _add_errors
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from participants.access import access_participant, can_change

from ..access import access_meeting
from ..forms.meetings import InvitationForm, MeetingForm, MinutesForm
from ..models import CoordinationMeeting, MeetingStatus
from ..selectors.meetings import meetings_of
from ..services import meetings as services

Action = AccessEvent.Action

# Access is checked before the method, so that someone who may not see the participant gets
# 404 for every method (security.md 2), never a 405 that confirms the object exists.


def meeting_list(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    meetings = list(meetings_of(participant))
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="meetings")
    return render(
        request,
        "plans/meetings/list.html",
        {
            "participant": participant,
            "meetings": meetings,
            "may_change": can_change(request.user, participant),
        },
    )


def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    covered = services.covered_party_names(participant, timezone.localdate())
    form = MeetingForm(request.POST or None, covered=covered)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_book(
                participant=participant,
                actor=request.user,
                client_address=client_address(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The meeting was booked."))
            return redirect(
                "plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk
            )
    uncovered = "outside_parties" in form.errors
    # The form shows which outside parties the participant's consents cover.
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="meeting form")
    return render(
        request,
        "plans/meetings/create.html",
        {"participant": participant, "form": form, "uncovered": uncovered},
    )


def _detail(
    request: HttpRequest,
    meeting: CoordinationMeeting,
    *,
    invitation_form: InvitationForm | None = None,
    minutes_form: MinutesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    participant = meeting.participant
    access_log.record_request(
        request, action=Action.VIEW, obj=participant, detail=f"meeting {meeting.pk}"
    )
    planned = meeting.status == MeetingStatus.PLANNED
    may_change = planned and can_change(request.user, participant)
    invitees = list(meeting.invitees.all())
    lapsed = services.meeting_uncovered_parties(meeting) if planned else []
    return render(
        request,
        "plans/meetings/detail.html",
        {
            "participant": participant,
            "meeting": meeting,
            "units": [invitee for invitee in invitees if not invitee.outside],
            "outside": [invitee for invitee in invitees if invitee.outside],
            "may_change": may_change,
            "invitation_form": invitation_form or InvitationForm(),
            "minutes_form": minutes_form or MinutesForm(),
            "in_future": meeting.meeting_on > timezone.localdate(),
            "lapsed_message": services.lapsed_consent_message(lapsed) if lapsed else "",
        },
        status=status,
    )


def _refused_step(
    request: HttpRequest, meeting: CoordinationMeeting, error: ValidationError
) -> HttpResponse:
    """A step the meeting's status does not allow (it is held or cancelled): say so on the
    meeting's page, where the forms are no longer shown."""
    messages.error(request, " ".join(error.messages))
    return redirect("plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk)


def meeting_detail(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    return _detail(request, meeting)


def meeting_invitation(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_invitation_record(
                meeting=meeting,
                sent_on=form.cleaned_data["sent_on"],
                actor=request.user,
                client_address=client_address(request),
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused_step(request, meeting, error)
            _add_errors(form, error, renamed={"invitation_sent_on": "sent_on"})
        else:
            if meeting.invited_late:
                messages.warning(
                    request,
                    _(
                        "The invitation was recorded, but it went out less than 14 days before "
                        "the meeting: it is flagged as late and counted in the reports."
                    ),
                )
            else:
                messages.success(request, _("The invitation was recorded."))
            return redirect(
                "plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk
            )
    return _detail(request, meeting, invitation_form=form, status=400)


def meeting_minutes(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    form = MinutesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_minutes_record(
                meeting=meeting,
                actor=request.user,
                client_address=client_address(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused_step(request, meeting, error)
            _add_errors(form, error)
        else:
            if meeting.escalated_on:
                messages.success(
                    request,
                    _("The minutes were recorded and the question was taken to the managers."),
                )
            else:
                messages.success(request, _("The minutes were recorded."))
            return redirect(
                "plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk
            )
    status = 400 if request.method == "POST" else 200
    return _detail(request, meeting, minutes_form=form, status=status)


def meeting_cancel(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    try:
        services.meeting_cancel(
            meeting=meeting, actor=request.user, client_address=client_address(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The meeting was cancelled."))
    return redirect("plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk)
