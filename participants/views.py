"""Case managers' pages: the caseload, intake, a participant's overview and contacts,
assignments and activity records."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cm_portal import access_log
from cm_portal.access import administrator_required, role_required
from cm_portal.access_log import client_address
from cm_portal.models import AccessEvent, Role
from cm_portal.views.common import add_service_errors as _add_errors
from cm_portal.views.common import method_not_allowed as _method_not_allowed

from . import retention, selectors, services
from .access import (
    access_participant,
    access_participant_as_team_lead,
    can_change,
    leads_team_of,
)
from .forms import (
    ActivityForm,
    AssignForm,
    CaseloadFilterForm,
    CloseForm,
    ContactForm,
    IntakeForm,
    LegalHoldForm,
    ParticipantForm,
    RetentionScheduleForm,
    TransferForm,
    UnassignForm,
)
from .models import Participant

PAGE_SIZE = 25

works_with_cases_required = role_required(Role.CASE_MANAGER, Role.TEAM_LEAD)
team_lead_required = role_required(Role.TEAM_LEAD)

# Access is checked before the method (docs/urls.md), so that someone who may not see the
# participant gets 404 for every method (security.md 2), never a 405 that confirms it exists.


@works_with_cases_required
def participant_list(request: HttpRequest) -> HttpResponse:
    form = CaseloadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    participants = selectors.caseload(
        request.user,
        search=filters.get("q", ""),
        status=filters.get("status", ""),
        crisis_relevant=filters.get("crisis_relevant", False),
        organisation=filters.get("organisation"),
    )
    page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # That a search happened and how many rows it showed: never the search text.
    what = "search" if filters.get("q", "").strip() else "list"
    access_log.record_request(
        request,
        action=AccessEvent.Action.VIEW,
        object_type="participant_list",
        detail=f"{what}, {len(page.object_list)} rows shown",
    )
    return render(
        request,
        "participants/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@works_with_cases_required
def participant_create(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    duplicates = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            duplicates = services.duplicate_check(
                organisation=request.user.organisation,
                actor=request.user,
                client_address=client_address(request),
                personal_identity_number=data["personal_identity_number"],
                display_name=data["display_name"],
                birth_year=data["birth_year"],
            )
        except services.TooManyDuplicateChecks:
            form.add_error(
                None,
                _(
                    "You have checked many identity numbers in a short time, so no more "
                    "checks are made for a while. Try again in an hour, or ask your team lead."
                ),
            )
        else:
            if duplicates and not data["register_anyway"]:
                form.add_error(
                    "register_anyway",
                    _("Check that this is not the same person, then tick the box to register."),
                )
            else:
                try:
                    participant = services.participant_register(
                        organisation=request.user.organisation,
                        actor=request.user,
                        client_address=client_address(request),
                        **{field: data[field] for field in IntakeForm.FIELDS},
                    )
                except ValidationError as error:
                    _add_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("%(reference)s was registered.") % {"reference": participant.reference},
                    )
                    return redirect("participants:detail", pk=participant.pk)
    return render(request, "participants/create.html", {"form": form, "duplicates": duplicates})


def _detail(
    request: HttpRequest,
    participant: Participant,
    *,
    contact_form: ContactForm | None = None,
    status: int = 200,
) -> HttpResponse:
    changeable = can_change(request.user, participant)
    leads = leads_team_of(request.user, participant)
    context = {
        "participant": participant,
        "contacts": selectors.contact_timeline(participant),
        "case_managers": services.assigned_case_managers(participant),
        "can_change": changeable,
        "contact_form": contact_form or ContactForm(),
        "close_form": CloseForm(),
        "assign_form": AssignForm(organisation=participant.organisation) if leads else None,
        "leads_team": leads,
        "retention": None if participant.is_open else retention.retention_case(participant),
    }
    return render(request, "participants/detail.html", context, status=status)


def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    access_log.record_request(request, action=AccessEvent.Action.VIEW, obj=participant)
    return _detail(request, participant)


def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_log(
                participant=participant,
                actor=request.user,
                client_address=client_address(request),
                **{field: form.cleaned_data[field] for field in ContactForm.FIELDS},
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The contact was logged."))
            return redirect("participants:detail", pk=participant.pk)
    # The page shown again holds case data like the overview does: log it the same way.
    access_log.record_request(request, action=AccessEvent.Action.VIEW, obj=participant)
    return _detail(request, participant, contact_form=form, status=400)


def _edit_with_history(
    request: HttpRequest,
    *,
    participant: Participant,
    form,
    save,
    saved_message: str,
    texts: dict[str, str],
    history,
    view_detail: str | None = None,
) -> HttpResponse:
    """A form whose save keeps old and new values, with the change history beside it.

    ``save(cleaned_data)`` calls the service and returns the changed fields; with
    ``view_detail`` the page shown (the data and its history) is logged as a view.
    """
    if request.method == "POST" and form.is_valid():
        try:
            changed = save(form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if changed:
                messages.success(request, saved_message)
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("participants:detail", pk=participant.pk)
    if view_detail is not None:
        access_log.record_request(
            request, action=AccessEvent.Action.VIEW, obj=participant, detail=view_detail
        )
    context = {"participant": participant, "form": form, "history": history, **texts}
    return render(request, "participants/edit_with_history.html", context)


def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    contact = get_object_or_404(participant.contacts, pk=contact_pk)
    initial = {field: getattr(contact, field) for field in ContactForm.FIELDS}

    def save(data) -> list[str]:
        return services.contact_correct(
            contact=contact,
            actor=request.user,
            client_address=client_address(request),
            **{field: data[field] for field in ContactForm.FIELDS},
        )

    return _edit_with_history(
        request,
        participant=participant,
        form=ContactForm(request.POST or None, initial=initial),
        save=save,
        saved_message=_("The contact was corrected."),
        texts={
            "heading": _("Correct contact"),
            "no_history": _("Not changed since it was logged."),
        },
        history=selectors.contact_history(contact),
        view_detail=f"contact {contact.pk} with its history",
    )


def participant_close(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = CloseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("participants:detail", pk=participant.pk)
    try:
        services.participant_close(
            participant=participant,
            end_date=form.cleaned_data["end_date"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
            client_address=client_address(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The case was closed."))
    return redirect("participants:detail", pk=participant.pk)


def participant_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    try:
        services.participant_reopen(
            participant=participant,
            actor=request.user,
            client_address=client_address(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The case was reopened."))
    return redirect("participants:detail", pk=participant.pk)


def participant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    initial = {field: getattr(participant, field) for field in ParticipantForm.FIELDS}

    def save(data) -> list[str]:
        return services.participant_update(
            participant=participant,
            actor=request.user,
            client_address=client_address(request),
            **{field: data[field] for field in ParticipantForm.FIELDS},
        )

    # The only page that shows the stored identity number in full: a view of its own.
    access_log.record_request(request, action=AccessEvent.Action.VIEW, obj=participant)
    return _edit_with_history(
        request,
        participant=participant,
        form=ParticipantForm(request.POST or None, initial=initial),
        save=save,
        saved_message=_("The intake data was changed."),
        texts={"heading": _("Edit intake data"), "no_history": _("Not changed since the intake.")},
        history=selectors.participant_history(participant),
    )


def participant_assign(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant_as_team_lead(request.user, pk)
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = AssignForm(request.POST, organisation=participant.organisation)
    if not form.is_valid():
        messages.error(request, _("Choose a case manager of the organisation."))
        return redirect("participants:detail", pk=participant.pk)
    staff = form.cleaned_data["staff"]
    try:
        services.participant_assign(
            participant=participant,
            case_manager=staff,
            actor=request.user,
            client_address=client_address(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s was assigned.") % {"name": staff.name})
    return redirect("participants:detail", pk=participant.pk)


def participant_unassign(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant_as_team_lead(request.user, pk)
    if refused := _method_not_allowed(request, "POST"):
        return refused
    assigned = services.assigned_case_managers(participant)
    form = UnassignForm(request.POST, assigned=assigned)
    if not form.is_valid():
        messages.error(request, _("That person is not assigned to the participant."))
        return redirect("participants:detail", pk=participant.pk)
    staff = form.cleaned_data["staff"]
    services.participant_unassign(
        participant=participant,
        case_manager=staff,
        actor=request.user,
        client_address=client_address(request),
    )
    messages.success(request, _("%(name)s is no longer assigned.") % {"name": staff.name})
    return redirect("participants:detail", pk=participant.pk)


def participant_legal_hold(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant_as_team_lead(request.user, pk)
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = LegalHoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to place or lift the legal hold."))
        return redirect("participants:detail", pk=participant.pk)
    hold = form.cleaned_data["hold"]
    services.participant_set_legal_hold(
        participant=participant,
        hold=hold,
        actor=request.user,
        client_address=client_address(request),
    )
    if hold:
        messages.success(
            request, _("The case is on legal hold: it is kept until the hold is lifted.")
        )
    else:
        messages.success(request, _("The legal hold was lifted."))
    return redirect("participants:detail", pk=participant.pk)


@administrator_required
def retention_schedule(request: HttpRequest) -> HttpResponse:
    """The dry run for administrators: what the nightly job will delete, and when."""
    form = RetentionScheduleForm(request.GET or None)
    days = form.cleaned_data["days"] if form.is_valid() else 60
    today = timezone.localdate()
    schedule = retention.retention_schedule(today=today, days_ahead=days)
    access_log.record_request(
        request, action=AccessEvent.Action.VIEW, object_type="retention_schedule"
    )
    return render(
        request,
        "participants/retention.html",
        {
            "form": form,
            "today": today,
            "rows": [(case, case.is_deletable(today), case.is_late(today)) for case in schedule],
            "counts": retention.schedule_counts(schedule, today),
            "years": settings.RETENTION_YEARS,
            "notice_days": settings.RETENTION_NOTICE_DAYS,
        },
    )


@team_lead_required
def caseload_transfer(request: HttpRequest) -> HttpResponse:
    form = TransferForm(request.POST or None, organisation=request.user.organisation)
    if request.method == "POST" and form.is_valid():
        from_user = form.cleaned_data["from_user"]
        to_user = form.cleaned_data["to_user"]
        try:
            moved = services.caseload_transfer(
                from_user=from_user,
                to_user=to_user,
                actor=request.user,
                client_address=client_address(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d participant was moved from %(from)s to %(to)s.",
                    "%(count)d participants were moved from %(from)s to %(to)s.",
                    moved,
                )
                % {"count": moved, "from": from_user.name, "to": to_user.name},
            )
            return redirect("participants:transfer")
    return render(request, "participants/transfer.html", {"form": form})


@works_with_cases_required
def activity_list(request: HttpRequest) -> HttpResponse:
    records = selectors.activity_records(request.user.organisation)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    access_log.record_request(
        request,
        action=AccessEvent.Action.VIEW,
        object_type="activity_list",
        detail=f"{len(page.object_list)} rows shown",
    )
    return render(request, "participants/activity_list.html", {"page": page, "query": ""})


@works_with_cases_required
def activity_create(request: HttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_record_create(
                organisation=request.user.organisation,
                actor=request.user,
                client_address=client_address(request),
                **{field: form.cleaned_data[field] for field in ActivityForm.FIELDS},
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The activity was recorded."))
            return redirect("participants:activity_list")
    return render(request, "participants/activity_create.html", {"form": form})
