"""Forms of the crisis and safety plan: the texts, the chain of responsibility, establishing."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.forms import HiddenFieldErrorsShown
from participants.forms import DateInput


class CrisisPlanForm(HiddenFieldErrorsShown, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    warning_signs = forms.CharField(
        label=_("Signs that things are getting worse"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the participant and others may notice first."),
    )
    own_strategies = forms.CharField(
        label=_("What the participant can do themselves"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    people_to_contact = forms.CharField(
        label=_("People close to the participant they can contact"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    professional_contacts = forms.CharField(
        label=_("Professional contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResponsibilityLinkForm(forms.Form):
    order = forms.IntegerField(label=_("Order"), min_value=1, required=False)
    who = forms.CharField(label=_("Who acts"), max_length=200, required=False)
    how_to_reach = forms.CharField(label=_("How to reach them"), max_length=200, required=False)
    when = forms.CharField(label=_("When"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("DELETE"):
            return data
        if (data.get("who") or data.get("when")) and not data.get("how_to_reach"):
            self.add_error("how_to_reach", _("Say how to reach them, or remove this link."))
        if (data.get("how_to_reach") or data.get("when")) and not data.get("who"):
            self.add_error("who", _("Say who acts, or remove this link."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(field) for field in ("who", "how_to_reach", "when"))


ChainFormSet = forms.formset_factory(ResponsibilityLinkForm, extra=2, can_delete=True)


class EstablishForm(HiddenFieldErrorsShown, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    established_on = forms.DateField(
        label=_("Established on"),
        widget=DateInput(),
        help_text=_("The day the plan was agreed with the participant."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["established_on"].initial = timezone.localdate()
