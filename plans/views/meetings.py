"""Coordination meeting pages: the list, booking, one meeting with its next step."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.access_log import client_address
from cm_portal.models import AccessEvent, User
from cm_portal.views.common import act, submit
from cm_portal.views.common import add_service_errors as _add_errors
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from participants.access import access_participant, can_change

from ..access import access_meeting
from ..forms.meetings import (
    InvitationForm,
    MeetingForm,
    MinutesForm,
    OfferForm,
    PreparationForm,
    action_formset,
    action_values,
    actions_valid,
)
from ..models import CoordinationMeeting, MeetingStatus
from ..selectors.meetings import meetings_of, offers_of
from ..services import invitations as invitation_services
from ..services import meetings as services
from ..services import offers as offer_services

Action = AccessEvent.Action

# Access is checked before the method, so that someone who may not see the participant gets
# 404 for every method (security.md 2), never a 405 that confirms the object exists.


def meeting_list(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    meetings = list(meetings_of(participant))
    offers = list(offers_of(participant))
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="meetings")
    return render(
        request,
        "plans/meetings/list.html",
        {
            "participant": participant,
            "meetings": meetings,
            "offers": offers,
            "may_change": can_change(request.user, participant),
        },
    )


def _staff_of(participant):
    return User.objects.filter(is_active=True, organisation_id=participant.organisation_id)


def offer_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an Intern-SIP offer and the answer (no consent needed)."""
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    form = OfferForm(
        request.POST or None,
        staff=_staff_of(participant),
        initial={"offered_on": timezone.localdate(), "offerer": request.user.pk},
    )
    record = offer_services.meeting_offer_record
    if request.method == "POST" and form.is_valid():
        done = submit(request, form, record, participant=participant, **form.cleaned_data)
        if done:
            messages.success(request, _("The offer and the answer were recorded."))
            if done.value.answer != "declined":
                return redirect("plans:meeting_create", pk=participant.pk)
            return redirect("plans:meetings", pk=participant.pk)
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="offer form")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "plans/meetings/offer.html",
        {"participant": participant, "form": form},
        status=status,
    )


def _follow_up_of(request: HttpRequest, participant) -> CoordinationMeeting | None:
    """The held meeting a new one follows up, from ``?follow_up_of=``; only one of this
    participant's (any other id is a 404, as for a meeting one may not see)."""
    raw = request.POST.get("follow_up_of") or request.GET.get("follow_up_of")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    meeting = CoordinationMeeting.objects.filter(
        pk=int(raw), participant=participant, status=MeetingStatus.HELD
    ).first()
    if meeting is None:
        raise Http404
    return meeting


def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    follow_up_of = _follow_up_of(request, participant)
    covered = services.covered_party_names(participant, timezone.localdate())
    initial = {}
    if follow_up_of is not None:
        initial = {
            "meeting_on": follow_up_of.follow_up_on,
            "need": follow_up_of.need,
            "units": "\n".join(
                invitee.name
                for invitee in follow_up_of.invitees.all()
                if not invitee.outside and invitee.staff_id is None
            ),
            "place": follow_up_of.place,
            "video_link": follow_up_of.video_link,
            "participant_agreed": follow_up_of.participant_agreed,
        }
    form = MeetingForm(
        request.POST or None, covered=covered, staff=_staff_of(participant), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        done = submit(
            request,
            form,
            services.meeting_book,
            participant=participant,
            follow_up_of=follow_up_of,
            **form.cleaned_data,
        )
        if done:
            messages.success(request, _("The meeting was booked."))
            return redirect("plans:meeting_detail", pk=participant.pk, meeting_pk=done.value.pk)
    uncovered = "outside_parties" in form.errors
    # The form shows which outside parties the participant's consents cover.
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="meeting form")
    return render(
        request,
        "plans/meetings/create.html",
        {
            "participant": participant,
            "form": form,
            "uncovered": uncovered,
            "follow_up_of": follow_up_of,
        },
    )


def _detail(
    request: HttpRequest,
    meeting: CoordinationMeeting,
    *,
    invitation_form: InvitationForm | None = None,
    minutes_form: MinutesForm | None = None,
    actions_formset=None,
    status: int = 200,
) -> HttpResponse:
    participant = meeting.participant
    access_log.record_request(
        request, action=Action.VIEW, obj=participant, detail=f"meeting {meeting.pk}"
    )
    planned = meeting.status == MeetingStatus.PLANNED
    may_change_case = can_change(request.user, participant)
    may_change = planned and may_change_case
    invitees = list(meeting.invitees.select_related("staff"))
    lapsed = services.meeting_uncovered_parties(meeting) if planned else []
    return render(
        request,
        "plans/meetings/detail.html",
        {
            "participant": participant,
            "meeting": meeting,
            "invitees": invitees,
            "units": [i for i in invitees if not i.outside and i.staff_id is None],
            "staff": [i for i in invitees if i.staff_id is not None],
            "outside": [invitee for invitee in invitees if invitee.outside],
            "actions": list(meeting.actions.select_related("goal")),
            "follow_ups": list(meeting.follow_ups.all()),
            "may_change": may_change,
            "may_follow_up": meeting.status == MeetingStatus.HELD and may_change_case,
            "invitation_form": invitation_form
            or InvitationForm(days_ahead=participant.programme.invitation_days_ahead),
            "minutes_form": minutes_form or MinutesForm(invitees=invitees),
            "actions_formset": actions_formset or action_formset(None, meeting),
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
    form = InvitationForm(
        request.POST, days_ahead=meeting.participant.programme.invitation_days_ahead
    )
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
                        "The invitation was recorded, but it went out less than %(days)d days "
                        "before the meeting: it is flagged as late and counted in the reports."
                    )
                    % {"days": meeting.participant.programme.invitation_days_ahead},
                )
            else:
                messages.success(request, _("The invitation was recorded."))
            return redirect(
                "plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk
            )
    return _detail(request, meeting, invitation_form=form, status=400)


def meeting_preparation(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """Move a planned meeting, or change its place or agenda; invited staff who were
    e-mailed already get the changed time or place by e-mail."""
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    if meeting.status != MeetingStatus.PLANNED:
        return _refused_step(request, meeting, services.not_planned(meeting))
    form = PreparationForm(
        request.POST or None, initial=model_to_dict(meeting, fields=PreparationForm.base_fields)
    )
    if request.method == "POST" and form.is_valid():
        change = invitation_services.meeting_preparation_change
        done = submit(request, form, change, meeting=meeting, **form.cleaned_data)
        if done is not None:
            if not done.value.changed:
                messages.info(request, _("Nothing was changed."))
            elif done.value.emailed_again:
                messages.success(
                    request,
                    _(
                        "The meeting was changed. The invited staff are e-mailed the new "
                        "time or place."
                    ),
                )
            else:
                messages.success(request, _("The meeting was changed."))
            return redirect(
                "plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk
            )
    access_log.record_request(
        request,
        action=Action.VIEW,
        obj=meeting.participant,
        detail=f"meeting {meeting.pk} preparation form",
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "plans/meetings/preparation.html",
        {"participant": meeting.participant, "meeting": meeting, "form": form},
        status=status,
    )


def meeting_minutes(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    data = request.POST or None
    form = MinutesForm(data, invitees=list(meeting.invitees.all()))
    formset = action_formset(data, meeting)
    if request.method == "POST" and form.is_valid() and actions_valid(formset):
        try:
            services.meeting_minutes_record(
                meeting=meeting,
                actor=request.user,
                client_address=client_address(request),
                attendance=form.attendance(),
                actions=action_values(formset),
                **form.service_values(),
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
    return _detail(request, meeting, minutes_form=form, actions_formset=formset, status=status)


def meeting_invitation_send(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """E-mail the invitation (with its .ics) to the invited staff, once each."""
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    if act(request, invitation_services.meeting_invitation_send, meeting=meeting):
        if meeting.invited_late:
            messages.warning(
                request,
                _(
                    "The invitation is being e-mailed, but less than %(days)d days before the "
                    "meeting: it is flagged as late and counted in the reports."
                )
                % {"days": meeting.participant.programme.invitation_days_ahead},
            )
        else:
            messages.success(request, _("The invitation is being e-mailed to the invited staff."))
    return redirect("plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk)


def meeting_cancel(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_pk, participant_pk=pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    if act(request, services.meeting_cancel, meeting=meeting):
        messages.success(request, _("The meeting was cancelled."))
    return redirect("plans:meeting_detail", pk=meeting.participant_id, meeting_pk=meeting.pk)
