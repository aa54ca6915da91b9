"""The form of a prioritised contact."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from plans.models import ActorKind, PrioritisedContactStatus


class PrioritisedContactForm(forms.Form):
    actor_kind = forms.ChoiceField(label=_("Kind of actor"), choices=ActorKind.choices)
    actor = forms.CharField(label=_("Actor"), max_length=200)
    planned_on = forms.DateField(label=_("Planned date"), widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"),
        choices=PrioritisedContactStatus.choices,
        initial=PrioritisedContactStatus.PLANNED,
    )
    completed_on = forms.DateField(
        label=_("Completed on"),
        widget=DateInput(),
        required=False,
        help_text=_("Only for a completed contact."),
    )

    FIELDS = ("actor_kind", "actor", "planned_on", "status", "completed_on")
