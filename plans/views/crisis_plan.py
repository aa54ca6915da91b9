"""The crisis and safety plan pages: read, edit (texts and chain), establish, history."""

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
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from cm_portal.views.common import submit_versioned
from participants.access import access_participant, can_change
from plans.forms.crisis_plan import ChainFormSet, CrisisPlanForm, EstablishForm
from plans.selectors.crisis_plan import crisis_plan_history, crisis_plan_of
from plans.selectors.deadlines import plan_due
from plans.services import crisis_plan as services

Action = AccessEvent.Action


def _deadline(participant, plan) -> dict:
    due = plan_due(participant, plan, today=timezone.localdate(), crisis=True)
    return {"deadline": due.deadline, "deadline_met": due.met, "deadline_passed": due.overdue}


def crisis_plan(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    plan = crisis_plan_of(participant)
    may_change = can_change(request.user, participant)
    establish_form = None
    if plan is not None and may_change:
        establish_form = EstablishForm(initial={"version": plan.version})
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="crisis plan")
    return render(
        request,
        "plans/crisis_plan/detail.html",
        {
            "participant": participant,
            "plan": plan,
            "chain": list(plan.chain.all()) if plan else [],
            "may_change": may_change,
            "establish_form": establish_form,
            **_deadline(participant, plan),
        },
    )


def _chain_from(formset) -> list[dict]:
    return [
        {field: form.cleaned_data.get(field) for field in ("order", "who", "how_to_reach", "when")}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and not form.is_blank
    ]


def crisis_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    plan = crisis_plan_of(participant)
    if request.method == "POST":
        form = CrisisPlanForm(request.POST)
        formset = ChainFormSet(request.POST, prefix="chain")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            # This page answers a refusal, a conflict too, with 200 and the form.
            done, _status = submit_versioned(
                request,
                form,
                services.crisis_plan_save,
                formsets={"chain": formset},
                participant=participant,
                values={field: data[field] for field in services.TEXT_FIELDS},
                chain=_chain_from(formset),
                expected_version=data["version"],
            )
            if done:
                messages.success(request, _("The crisis and safety plan was saved."))
                return redirect("plans:crisis_plan", pk=participant.pk)
    else:
        initial = {"version": plan.version if plan else 0}
        chain = []
        if plan is not None:
            initial.update({field: getattr(plan, field) for field in services.TEXT_FIELDS})
            chain = [
                {
                    "order": link.order,
                    "who": link.who,
                    "how_to_reach": link.how_to_reach,
                    "when": link.when,
                }
                for link in plan.chain.all()
            ]
        form = CrisisPlanForm(initial=initial)
        formset = ChainFormSet(initial=chain, prefix="chain")
    access_log.record_request(
        request, action=Action.VIEW, obj=participant, detail="crisis plan edit"
    )
    return render(
        request,
        "plans/crisis_plan/edit.html",
        {"participant": participant, "plan": plan, "form": form, "formset": formset},
    )


def crisis_plan_establish(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = EstablishForm(request.POST)
    if form.is_valid():
        try:
            services.crisis_plan_establish(
                participant=participant,
                established_on=form.cleaned_data["established_on"],
                expected_version=form.cleaned_data["version"],
                actor=request.user,
                client_address=client_address(request),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The crisis and safety plan is established."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("plans:crisis_plan", pk=participant.pk)


def crisis_plan_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    access_log.record_request(
        request, action=Action.VIEW, obj=participant, detail="crisis plan history"
    )
    return render(
        request,
        "plans/crisis_plan/history.html",
        {"participant": participant, "revisions": list(crisis_plan_history(participant))},
    )
