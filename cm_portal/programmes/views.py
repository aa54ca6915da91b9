"""Administrators' pages: programmes, their phases, members and goals. No case content.

Every change goes through ``programmes.services`` (audited; goals keep their history)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cm_portal.access import administrator_required
from cm_portal.access_log import client_address
from cm_portal.http import AuthenticatedHttpRequest
from cm_portal.views.common import submit

from . import services
from .forms import GoalForm, GoalRemoveForm, ProgrammeForm
from .models import Programme, ProgrammeGoalChange

PROGRAMME_FIELDS = (
    "name",
    "start",
    "end",
    "organisations",
    "age_min",
    "age_max",
    "age_bins",
    "entry_paths",
    "reporting_periods",
    "phases",
    "members",
)


@administrator_required
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = Programme.objects.prefetch_related("organisations", "goals").order_by(
        "start", "name"
    )
    return render(request, "programmes/list.html", {"programmes": programmes})


@administrator_required
def programme_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in PROGRAMME_FIELDS}
        done = submit(request, form, services.programme_create, slug=data["slug"], **fields)
        if done:
            messages.success(request, _("The programme was created. Now give it its goals."))
            return redirect("programmes:edit", pk=done.value.pk)
    return render(request, "programmes/create.html", {"form": form})


def _edit_page(request, programme, form, goal_form, status=200) -> HttpResponse:
    history = (
        ProgrammeGoalChange.objects.filter(programme=programme)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )
    context = {
        "programme": programme,
        "form": form,
        "goal_form": goal_form,
        "goals": programme.goals.order_by("kind"),
        "history": history,
    }
    return render(request, "programmes/edit.html", context, status=status)


@administrator_required
def programme_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    form = ProgrammeForm(
        request.POST or None, initial=ProgrammeForm.initial_of(programme), editing=programme
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PROGRAMME_FIELDS}
        if submit(request, form, services.programme_update, programme=programme, **fields):
            messages.success(request, _("The programme was saved."))
            return redirect("programmes:edit", pk=programme.pk)
    status = 400 if request.method == "POST" else 200
    return _edit_page(request, programme, form, GoalForm(), status=status)


@administrator_required
@require_POST
def programme_goal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    goal_form = GoalForm(request.POST)
    if goal_form.is_valid() and submit(
        request,
        goal_form,
        services.programme_goal_set,
        programme=programme,
        **goal_form.cleaned_data,
    ):
        messages.success(request, _("The goal was saved; the change is kept in its history."))
        return redirect("programmes:edit", pk=programme.pk)
    form = ProgrammeForm(initial=ProgrammeForm.initial_of(programme), editing=programme)
    return _edit_page(request, programme, form, goal_form, status=400)


@administrator_required
@require_POST
def programme_goal_remove_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    form = GoalRemoveForm(request.POST)
    if form.is_valid() and services.programme_goal_remove(
        programme=programme,
        kind=form.cleaned_data["kind"],
        actor=request.user,
        client_address=client_address(request),
    ):
        messages.success(request, _("The goal was removed; its history is kept."))
    else:
        messages.error(request, _("The programme has no such goal: nothing was removed."))
    return redirect("programmes:edit", pk=programme.pk)
