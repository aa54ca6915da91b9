"""Forms of the individual plan: every one carries the plan version it was loaded with."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.forms import HiddenFieldErrorsShown
from participants.forms import DateInput
from plans.models import SubGoalStatus


class VersionForm(HiddenFieldErrorsShown, forms.Form):
    """The plan version the page was loaded with (0 while there is no plan yet)."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class GoalCreateForm(VersionForm):
    title = forms.CharField(label=_("Goal"), max_length=300)
    first_sub_goal = forms.CharField(
        label=_("First sub-goal"),
        max_length=300,
        help_text=_("A goal needs at least one sub-goal, a step towards it."),
    )


class GoalForm(VersionForm):
    title = forms.CharField(label=_("Goal"), max_length=300)


class SubGoalForm(forms.Form):
    title = forms.CharField(label=_("Sub-goal"), max_length=300)
    status = forms.ChoiceField(
        label=_("Status"), choices=SubGoalStatus.choices, initial=SubGoalStatus.OPEN
    )


SubGoalFormSet = forms.formset_factory(
    SubGoalForm, extra=2, can_delete=True, can_delete_extra=False
)


class ContactPathForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), max_length=200)
    person = forms.CharField(label=_("Person"), max_length=100, required=False)
    how = forms.CharField(label=_("How to reach"), max_length=200)
    when = forms.CharField(label=_("When"), max_length=200, required=False)


ContactPathFormSet = forms.formset_factory(
    ContactPathForm, extra=2, can_delete=True, can_delete_extra=False
)


class EstablishForm(VersionForm):
    established_on = forms.DateField(
        label=_("Agreed with the participant on"),
        widget=DateInput(),
        error_messages={"required": _("Give the date the plan was agreed.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("established_on", timezone.localdate())
        super().__init__(*args, **kwargs)


def kept_rows(formset: forms.BaseFormSet) -> tuple[list[dict], list[forms.Form]]:
    """The rows to save (filled in and not marked for deletion) and their forms, in order."""
    rows, kept = [], []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        rows.append({key: value for key, value in data.items() if key != "DELETE"})
        kept.append(form)
    return rows, kept
