"""The form of a prioritised contact."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from plans.models import ActorKind, PrioritisedContactStatus
from plans.services.prioritised_contacts import arguments_of


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

    def service_values(self) -> dict[str, Any]:
        """The cleaned values under the service's parameter names: the field ``actor`` (whom
        the contact is with) is ``actor_name`` there, since ``actor`` is who does the write."""
        return arguments_of({field: self.cleaned_data[field] for field in self.FIELDS})
