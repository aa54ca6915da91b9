"""Forms validate and normalise; the services decide."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.models import Organisation

from . import services
from .models import SignedBy


class DateInput(forms.DateInput):
    input_type = "date"


class ConsentForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations information may be shared with"),
        queryset=Organisation.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    external_parties = forms.CharField(
        label=_("Other actors information may be shared with"),
        help_text=_("One per line, e.g. a health centre or a named unit."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    research = forms.BooleanField(
        label=_("Consent to research"),
        required=False,
        help_text=_(
            "The participant agrees to their pseudonymised data being used by the named "
            "research institution for the follow-up research."
        ),
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)
    signed_by = forms.ChoiceField(label=_("Signed by"), choices=SignedBy.choices)
    guardian_name = forms.CharField(
        label=_("Guardian's name"),
        required=False,
        max_length=100,
        help_text=_("Required when the participant was under 18 on the signing date."),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput, required=False)
    scan = forms.FileField(
        label=_("Scan of the signed form"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
    )

    def clean_external_parties(self) -> list[str]:
        lines = self.cleaned_data["external_parties"].splitlines()
        return list(dict.fromkeys(line.strip() for line in lines if line.strip()))

    def clean_scan(self) -> UploadedFile | None:
        scan = self.cleaned_data.get("scan")
        if scan:
            services.scan_content_type(scan)  # raises ValidationError with the reason
        return scan or None

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("organisations") and not data.get("external_parties"):
            raise forms.ValidationError(
                _("Name at least one party information may be shared with.")
            )
        return data


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(
        label=_("Withdrawn on"), widget=DateInput, initial=timezone.localdate
    )
    by_whom = forms.ChoiceField(label=_("Withdrawn by"), choices=SignedBy.choices)
