"""Prioritised contacts: the list with the 3-month date, adding, and editing with history."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.models import AccessEvent
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from cm_portal.views.common import submit
from participants.access import access_participant, can_change
from plans.forms.prioritised_contacts import PrioritisedContactForm
from plans.selectors.prioritised_contacts import contact_rows, prioritised_contact_history
from plans.services import prioritised_contacts as services

Action = AccessEvent.Action


def prioritised_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    need = "change" if request.method == "POST" else "view"
    participant = access_participant(request.user, pk, need=need)
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    may_change = can_change(request.user, participant)
    form = PrioritisedContactForm(request.POST or None) if may_change else None
    status = 200
    if request.method == "POST" and form is not None:
        create = services.prioritised_contact_create
        if form.is_valid() and submit(
            request, form, create, participant=participant, **form.service_values()
        ):
            messages.success(request, _("The prioritised contact was added."))
            return redirect("plans:prioritised_contacts", pk=participant.pk)
        status = 400
    d3, rows = contact_rows(participant)
    access_log.record_request(
        request, action=Action.VIEW, obj=participant, detail="prioritised contacts"
    )
    return render(
        request,
        "plans/prioritised_contacts/list.html",
        {
            "participant": participant,
            "three_month_date": d3,
            "rows": rows,
            "due_count": sum(row.due_before_d3 for row in rows),
            "may_change": may_change,
            "form": form,
        },
        status=status,
    )


def prioritised_contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    contact = get_object_or_404(participant.prioritised_contacts, pk=contact_pk)
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    contact.participant = participant
    initial = {field: getattr(contact, field) for field in PrioritisedContactForm.FIELDS}
    form = PrioritisedContactForm(request.POST or None, initial=initial)
    update = services.prioritised_contact_update
    if request.method == "POST" and form.is_valid():
        done = submit(request, form, update, contact=contact, **form.service_values())
        if done:
            if done.value:
                messages.success(request, _("The prioritised contact was changed."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("plans:prioritised_contacts", pk=participant.pk)
    access_log.record_request(
        request,
        action=Action.VIEW,
        obj=participant,
        detail=f"prioritised contact {contact.pk}",
    )
    return render(
        request,
        "plans/prioritised_contacts/edit.html",
        {
            "participant": participant,
            "contact": contact,
            "form": form,
            "history": prioritised_contact_history(contact),
        },
    )
