"""The individual plan's pages: the plan, goals, contact paths, establishing, history.

Access is checked before the method, so someone who may not see the participant gets 404
for every method, never a 405 that confirms the page exists (security.md 2).
"""

from __future__ import annotations

from django.contrib import messages
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cm_portal import access_log
from cm_portal.models import AccessEvent
from cm_portal.views.common import act, confirmation_page, confirmed, submit_versioned
from cm_portal.views.common import method_not_allowed as _method_not_allowed
from participants.access import access_participant, can_change
from participants.models import Participant
from plans.forms.individual_plan import (
    ContactPathFormSet,
    EstablishForm,
    GoalCreateForm,
    GoalForm,
    SubGoalFormSet,
    VersionForm,
    kept_rows,
)
from plans.models import Goal, IndividualPlan, SubGoalStatus
from plans.selectors.deadlines import plan_due
from plans.selectors.individual_plan import plan_of, plan_revisions
from plans.selectors.meetings import actions_by_goal
from plans.services import individual_plan as services

Action = AccessEvent.Action

# The words a revision's ``action`` is stored as, as the history page shows them.
REVISION_ACTIONS = {
    "goal added": gettext_lazy("Goal added"),
    "goal changed": gettext_lazy("Goal changed"),
    "goal deleted": gettext_lazy("Goal deleted"),
    "contact paths saved": gettext_lazy("Contact paths saved"),
    "established": gettext_lazy("Established"),
    "imported": gettext_lazy("Imported from a case file"),
    "saved": gettext_lazy("Saved"),
}


def _version(plan: IndividualPlan | None) -> int:
    return plan.version if plan else 0


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    plan = plan_of(participant)
    due = plan_due(participant, plan, today=timezone.localdate())
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="plan")
    may_change = can_change(request.user, participant)
    goals = list(plan.goals.all()) if plan else []
    actions = actions_by_goal(participant) if goals else {}
    context = {
        "participant": participant,
        "plan": plan,
        # Each goal with the actions agreed for it at a coordination meeting.
        "goals": [(goal, actions.get(goal.pk, [])) for goal in goals],
        "contact_paths": plan.contact_paths.all() if plan else [],
        "deadline": due.deadline,
        "deadline_met": due.met,
        "overdue": due.overdue,
        "may_change": may_change,
        "version": _version(plan),
        "establish_form": EstablishForm(initial={"version": _version(plan)})
        if may_change
        else None,
        "prioritised_count": participant.prioritised_contacts.count(),
    }
    return render(request, "plans/individual_plan/plan.html", context)


def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    plan = IndividualPlan.objects.filter(participant=participant).first()
    form = GoalCreateForm(request.POST or None, initial={"version": _version(plan)})
    status = 200
    if request.method == "POST" and form.is_valid():
        done, status = submit_versioned(
            request,
            form,
            services.goal_create,
            participant=participant,
            title=form.cleaned_data["title"],
            first_sub_goal=form.cleaned_data["first_sub_goal"],
            expected_version=form.cleaned_data["version"],
        )
        if done:
            messages.success(request, _("The goal was added."))
            return redirect("plans:plan", pk=participant.pk)
    return render(
        request,
        "plans/individual_plan/goal_create.html",
        {"participant": participant, "form": form},
        status=status,
    )


def _goal_of(participant: Participant, goal_pk: int) -> Goal:
    return get_object_or_404(
        Goal.objects.select_related("plan__participant"), plan__participant=participant, pk=goal_pk
    )


def goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    goal = _goal_of(participant, goal_pk)
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    data = request.POST if request.method == "POST" else None
    form = GoalForm(data, initial={"title": goal.title, "version": goal.plan.version})
    formset: BaseFormSet = SubGoalFormSet(
        data,
        prefix="sub",
        initial=[{"title": sub.title, "status": sub.status} for sub in goal.sub_goals.all()],
    )
    status = 200
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        sub_goals, kept = kept_rows(formset)
        done, status = submit_versioned(
            request,
            form,
            services.goal_update,
            rows={"sub_goals": kept},
            goal=goal,
            title=form.cleaned_data["title"],
            sub_goals=sub_goals,
            expected_version=form.cleaned_data["version"],
        )
        if done:
            messages.success(request, _("The goal was saved."))
            return redirect("plans:plan", pk=participant.pk)
    access_log.record_request(
        request, action=Action.VIEW, obj=participant, detail=f"plan goal {goal.pk}"
    )
    return render(
        request,
        "plans/individual_plan/goal_edit.html",
        {"participant": participant, "goal": goal, "form": form, "formset": formset},
        status=status,
    )


def goal_delete(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    goal = _goal_of(participant, goal_pk)
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Open the plan again and repeat the deletion."))
        return redirect("plans:plan", pk=participant.pk)
    if not confirmed(request):
        sub_goals = goal.sub_goals.count()
        return confirmation_page(
            request,
            title=_("Delete the goal?"),
            consequences=[
                ngettext(
                    "The goal “%(title)s” and its %(count)d sub-goal are removed from the plan.",
                    "The goal “%(title)s” and its %(count)d sub-goals are removed from the plan.",
                    sub_goals,
                )
                % {"title": goal.title, "count": sub_goals},
                _("The plan's history keeps the earlier version."),
            ],
            confirm_label=_("Delete goal"),
            cancel_url=reverse("plans:plan", kwargs={"pk": participant.pk}),
        )
    if act(request, services.goal_delete, goal=goal, expected_version=form.cleaned_data["version"]):
        messages.success(request, _("The goal was deleted."))
    return redirect("plans:plan", pk=participant.pk)


def contact_paths(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "GET", "HEAD", "POST"):
        return refused
    plan = plan_of(participant)
    data = request.POST if request.method == "POST" else None
    form = VersionForm(data, initial={"version": _version(plan)})
    formset: BaseFormSet = ContactPathFormSet(
        data,
        prefix="paths",
        initial=[
            {"actor": path.actor, "person": path.person, "how": path.how, "when": path.when}
            for path in (plan.contact_paths.all() if plan else [])
        ],
    )
    status = 200
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        paths, kept = kept_rows(formset)
        done, status = submit_versioned(
            request,
            form,
            services.contact_paths_save,
            rows={"contact_paths": kept},
            participant=participant,
            paths=paths,
            expected_version=form.cleaned_data["version"],
        )
        if done:
            messages.success(request, _("The contact paths were saved."))
            return redirect("plans:plan", pk=participant.pk)
    access_log.record_request(
        request, action=Action.VIEW, obj=participant, detail="plan contact paths"
    )
    return render(
        request,
        "plans/individual_plan/contact_paths.html",
        {"participant": participant, "form": form, "formset": formset},
        status=status,
    )


def plan_establish(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="change")
    if refused := _method_not_allowed(request, "POST"):
        return refused
    form = EstablishForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("plans:plan", pk=participant.pk)
    if act(
        request,
        services.plan_establish,
        participant=participant,
        established_on=form.cleaned_data["established_on"],
        expected_version=form.cleaned_data["version"],
    ):
        messages.success(request, _("The plan was established."))
    return redirect("plans:plan", pk=participant.pk)


def _readable(revision) -> dict:
    """The revision's content with each sub-goal status in words."""
    labels = dict(SubGoalStatus.choices)
    content = revision.content or {}
    return {
        **content,
        "goals": [
            {
                **goal,
                "sub_goals": [
                    {**sub, "status": labels.get(sub.get("status"), sub.get("status"))}
                    for sub in goal.get("sub_goals", [])
                ],
            }
            for goal in content.get("goals", [])
        ],
    }


def plan_history(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, need="view")
    if refused := _method_not_allowed(request, "GET", "HEAD"):
        return refused
    revisions = [
        (revision, REVISION_ACTIONS.get(revision.action, revision.action), _readable(revision))
        for revision in plan_revisions(participant)
    ]
    access_log.record_request(request, action=Action.VIEW, obj=participant, detail="plan history")
    return render(
        request,
        "plans/individual_plan/history.html",
        {"participant": participant, "revisions": revisions},
    )
