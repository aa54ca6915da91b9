from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .identity import normalise_identity_number
from .models import ContactKind, EntryPath, Gender


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CaseloadFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("All")), ("open", _("Open")), ("closed", _("Closed"))]

    q = forms.CharField(label=_("Search reference or name"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    crisis_relevant = forms.BooleanField(label=_("Needs a crisis plan only"), required=False)


class ParticipantForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name or pseudonym"),
        max_length=100,
        required=False,
        help_text=_("Optional. A pseudonym is fine."),
    )
    personal_identity_number = forms.CharField(
        label=_("Personal identity number"),
        max_length=13,
        required=False,
        help_text=_("Optional. YYYYMMDD-XXXX."),
    )
    birth_year = forms.IntegerField(label=_("Birth year"), min_value=1900)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    entry_path = forms.ChoiceField(label=_("Entry path"), choices=EntryPath.choices)
    crisis_relevant = forms.BooleanField(
        label=_("Needs a crisis plan"),
        required=False,
        help_text=_("Comorbidity or crisis level: a crisis and safety plan is expected."),
    )
    intervention_start = forms.DateField(label=_("Intervention started"), widget=DateInput())

    FIELDS = (
        "display_name",
        "personal_identity_number",
        "birth_year",
        "gender",
        "entry_path",
        "crisis_relevant",
        "intervention_start",
    )

    def clean_display_name(self) -> str:
        return self.cleaned_data["display_name"].strip()

    def clean_personal_identity_number(self) -> str:
        raw = self.cleaned_data["personal_identity_number"].strip()
        if not raw:
            return ""
        try:
            return normalise_identity_number(raw)
        except ValidationError as error:
            raise forms.ValidationError(error.messages[0]) from None


class IntakeForm(ParticipantForm):
    register_anyway = forms.BooleanField(
        label=_("Register anyway: this is a different person"), required=False
    )


class ContactForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=24 * 60
    )
    counterpart = forms.CharField(label=_("With whom"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Short note"), max_length=1000, required=False, widget=forms.Textarea({"rows": 2})
    )

    FIELDS = ("date", "kind", "duration_minutes", "counterpart", "note")

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class CloseForm(forms.Form):
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason for ending"), max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
