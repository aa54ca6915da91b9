"""Case managers' pages: the caseload, intake, a participant's overview and contacts,
assignments and activity records."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cm_portal import access_log
from cm_portal.access import administrator_required, role_required
from cm_portal.access_log import client_address
from cm_portal.models import AccessEvent, Role
from cm_portal.programmes.selectors import intake_programmes
from cm_portal.views.common import act, confirmation_page, confirmed, filter_query, submit
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
    ReassignForm,
    RetentionScheduleForm,
    TransferForm,
    UnassignForm,
)
from .models import EndReason, Participant
from .rows import caseload_rows, contact_rows

PAGE_SIZE = 25

works_with_cases_required = role_required(Role.CASE_MANAGER, Role.TEAM_LEAD)
team_lead_required = role_required(Role.TEAM_LEAD)

# Access is checked before the method (docs/urls.md), so that someone who may not see the
# participant gets 404 for every method (security.md 2), never a 405 that confirms it exists.


# The caseload's sortable columns: (sort key, heading); the others are not sortable.
_SORTABLE_COLUMNS = [
    ("reference", gettext_lazy("Reference")),
    ("name", gettext_lazy("Name")),
    ("start", gettext_lazy("Intervention started")),
    ("case_manager", gettext_lazy("Case managers")),
    ("deadline", gettext_lazy("Next deadline")),
]


def _sort_columns(request: HttpRequest, sort: str) -> list[dict]:
    """Each sortable heading's link: ascending, or descending when already ascending."""
    columns = []
    for key, label in _SORTABLE_COLUMNS:
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = f"-{key}" if sort == key else key
        if sort == key:
            state = "ascending"
        elif sort == f"-{key}":
            state = "descending"
        else:
            state = ""
        columns.append({"key": key, "label": label, "query": query.urlencode(), "sort": state})
    return columns


@works_with_cases_required
def participant_list(request: HttpRequest) -> HttpResponse:
    form = CaseloadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = filters.get("sort") or "reference"
    order, descending = sort.removeprefix("-"), sort.startswith("-")
    participants = selectors.caseload(
        request.user,
        search=filters.get("q", ""),
        status=filters.get("status", ""),
        crisis_relevant=filters.get("crisis_relevant", False),
        organisation=filters.get("organisation"),
        order=order,
        descending=descending,
    )
    pages = selectors.in_pages(participants, order=order, descending=descending)
    page = Paginator(pages, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    managers = selectors.case_managers_of(rows)
    # That a search happened and how many rows it showed: never the search text.
    what = "search" if filters.get("q", "").strip() else "list"
    access_log.record_request(
        request,
        action=AccessEvent.Action.VIEW,
        object_type="participant_list",
        detail=f"{what}, {len(rows)} rows shown",
    )
    return render(
        request,
        "participants/list.html",
        {
            "form": form,
            "page": page,
            "rows": caseload_rows(rows, managers, back=request.get_full_path()),
            "columns": _sort_columns(request, sort),
            "query": filter_query(request),
        },
    )


@works_with_cases_required
def participant_create(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None, programmes=intake_programmes(request.user))
    duplicates = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            participant = services.participant_register(
                organisation=request.user.organisation,
                actor=request.user,
                client_address=client_address(request),
                at_intake=True,
                register_anyway=data["register_anyway"],
                programme=data.get("programme"),
                **{field: data[field] for field in IntakeForm.FIELDS},
            )
        except ValidationError as error:
            duplicates = isinstance(error, services.PossibleDuplicate)
            _add_errors(form, error)
        else:
            messages.success(
                request, _("%(reference)s was registered.") % {"reference": participant.reference}
            )
            return redirect("participants:detail", pk=participant.pk)
    return render(request, "participants/create.html", {"form": form, "duplicates": duplicates})


def _detail(request: HttpRequest, participant: Participant) -> HttpResponse:
    case_managers = services.assigned_case_managers(participant)
    changeable = can_change(request.user, participant, assigned=case_managers)
    leads = leads_team_of(request.user, participant)
    context = {
        "participant": participant,
        "contacts": contact_rows(selectors.contact_timeline(participant), participant=participant),
        "case_managers": case_managers,
        "can_change": changeable,
        "assign_form": AssignForm(organisation=participant.organisation) if leads else None,
        "reassign_form": (
            ReassignForm(organisation=participant.organisation, assigned=case_managers)
            if leads and case_managers
            else None
        ),
        "leads_team": leads,
        "retention": None if participant.is_open else retention.retention_case(participant),
    }
    return render(request, "participants/detail.html", context)


def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    access_log.record_request(request, action=AccessEvent.Action.VIEW, obj=participant)
    return _detail(request, participant)


def _back_to(request: HttpRequest, fallback: str) -> str:
    """Where a saved form returns: ``next`` when it is a page of this portal, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact form on a page of its own: one tap from the caseload or the participant's
    heading (issue 17); after a save back where the person came from, the message on top."""
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    form = ContactForm(request.POST or None)
    detail_url = reverse("participants:detail", args=[participant.pk])
    back = _back_to(request, detail_url)
    if request.method == "POST" and form.is_valid():
        done = submit(
            request,
            form,
            services.contact_log,
            participant=participant,
            **{field: form.cleaned_data[field] for field in ContactForm.FIELDS},
        )
        if done:
            messages.success(
                request,
                _("The contact with %(reference)s was logged.")
                % {"reference": participant.reference},
            )
            return redirect(back)
    access_log.record_request(
        request, action=AccessEvent.Action.VIEW, obj=participant, detail="contact form"
    )
    return render(
        request,
        "participants/contact_create.html",
        {"participant": participant, "form": form, "back": back, "detail_url": detail_url},
        status=400 if form.errors else 200,
    )


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


# The model's field names as the close form calls them.
CLOSE_FIELDS = {
    "intervention_end": "end_date",
    "end_reason_code": "reason_code",
    "end_reason": "reason",
}


def participant_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Closing is a page of its own behind a button, then a confirmation step (issue 17)."""
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    detail_url = reverse("participants:detail", args=[participant.pk])
    if not participant.is_open:
        messages.info(request, _("The case is already closed."))
        return redirect(detail_url)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        end_date, reason = form.cleaned_data["end_date"], form.cleaned_data["reason"]
        reason_code = form.cleaned_data["reason_code"]
        if not confirmed(request):
            ending = _("The intervention ends on %(day)s. Reason: %(reason)s.") % {
                "day": end_date.isoformat(),
                "reason": EndReason(reason_code).label,
            }
            if reason:
                ending = f"{ending} “{reason}”"
            return confirmation_page(
                request,
                title=_("Close the case of %(reference)s?") % {"reference": participant.reference},
                consequences=[
                    ending,
                    _("Deadlines due after the end date no longer apply."),
                    ngettext(
                        "The case is deleted %(years)d year after its last entry, unless it "
                        "is reopened or on legal hold.",
                        "The case is deleted %(years)d years after its last entry, unless it "
                        "is reopened or on legal hold.",
                        settings.RETENTION_YEARS,
                    )
                    % {"years": settings.RETENTION_YEARS},
                    _("The case can be reopened later if this was a mistake."),
                ],
                confirm_label=_("Close the case"),
                cancel_url=detail_url,
            )
        try:
            services.participant_close(
                participant=participant,
                end_date=end_date,
                reason_code=reason_code,
                reason=reason,
                actor=request.user,
                client_address=client_address(request),
            )
        except ValidationError as error:
            _add_errors(form, error, renamed=CLOSE_FIELDS)
        else:
            messages.success(request, _("The case was closed."))
            return redirect(detail_url)
    return render(
        request,
        "participants/close.html",
        {"participant": participant, "form": form, "detail_url": detail_url},
        status=400 if form.errors else 200,
    )


def participant_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    if act(request, services.participant_reopen, participant=participant):
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
    if act(request, services.participant_assign, participant=participant, case_manager=staff):
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
    if not confirmed(request):
        consequences = [
            _("%(name)s is no longer assigned to %(reference)s and cannot open the case any more.")
            % {"name": staff.name, "reference": participant.reference}
        ]
        if len(assigned) == 1:
            consequences.append(_("Nobody is assigned to the participant then."))
        return confirmation_page(
            request,
            title=_("Unassign %(name)s?") % {"name": staff.name},
            consequences=consequences,
            confirm_label=_("Unassign"),
            cancel_url=reverse("participants:detail", args=[participant.pk]),
        )
    services.participant_unassign(
        participant=participant,
        case_manager=staff,
        actor=request.user,
        client_address=client_address(request),
    )
    messages.success(request, _("%(name)s is no longer assigned.") % {"name": staff.name})
    return redirect("participants:detail", pk=participant.pk)


def participant_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Change case manager: assign the new one and unassign the old one in one step."""
    participant = access_participant_as_team_lead(request.user, pk)
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = ReassignForm(
        request.POST,
        organisation=participant.organisation,
        assigned=services.assigned_case_managers(participant),
    )
    if not form.is_valid():
        messages.error(
            request,
            _("Choose one of the assigned case managers and a new one of the organisation."),
        )
        return redirect("participants:detail", pk=participant.pk)
    old, new = form.cleaned_data["from_user"], form.cleaned_data["to_user"]
    if act(
        request,
        services.participant_reassign,
        participant=participant,
        from_case_manager=old,
        to_case_manager=new,
    ):
        messages.success(
            request,
            _("%(new)s is the case manager instead of %(old)s.")
            % {"new": new.name, "old": old.name},
        )
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
        if not confirmed(request):
            count = selectors.caseload_size(from_user)
            return confirmation_page(
                request,
                title=_("Move the caseload?"),
                consequences=[
                    ngettext(
                        "%(count)d participant is moved from %(from)s to %(to)s.",
                        "%(count)d participants are moved from %(from)s to %(to)s.",
                        count,
                    )
                    % {"count": count, "from": from_user.name, "to": to_user.name},
                    _("%(from)s can no longer open these cases; %(to)s can.")
                    % {"from": from_user.name, "to": to_user.name},
                ],
                confirm_label=_("Move the caseload"),
                cancel_url=reverse("participants:transfer"),
            )
        done = submit(
            request, form, services.caseload_transfer, from_user=from_user, to_user=to_user
        )
        if done:
            moved = done.value
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
    form = ActivityForm(request.POST or None, programmes=intake_programmes(request.user))
    if request.method == "POST" and form.is_valid():
        done = submit(
            request,
            form,
            services.activity_record_create,
            organisation=request.user.organisation,
            programme=form.cleaned_data.get("programme"),
            **{field: form.cleaned_data[field] for field in ActivityForm.FIELDS},
        )
        if done:
            messages.success(request, _("The activity was recorded."))
            return redirect("participants:activity_list")
    return render(request, "participants/activity_create.html", {"form": form})
