"""Forms validate and normalise; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cm_portal.models import Role, User
from cm_portal.programmes.models import Programme

from .anonymity import DEFAULT_K, MIN_K
from .models import ExportFormat


class DateInput(forms.DateInput):
    input_type = "date"


class AgreementForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.order_by("name")
    )
    institution = forms.CharField(label=_("Research institution"), max_length=200)
    researchers = forms.ModelMultipleChoiceField(
        label=_("Named researchers"),
        queryset=User.objects.filter(role=Role.RESEARCHER, is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Accounts with the researcher role. Create them under Staff first."),
    )
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    approval_reference = forms.CharField(
        label=_("Approval reference"),
        max_length=100,
        help_text=_("The ethical review's reference number."),
    )
    expires_on = forms.DateField(label=_("Expires on"), widget=DateInput)
    k = forms.IntegerField(
        label=_("k (smallest group)"),
        min_value=MIN_K,
        max_value=100,
        initial=DEFAULT_K,
        required=False,
        help_text=_("Every combination of the indirect identifiers occurs at least k times."),
    )

    def clean_k(self) -> int:
        k = self.cleaned_data.get("k")
        return DEFAULT_K if k is None else k


class ExportRequestForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=ExportFormat.choices, widget=forms.RadioSelect
    )
