from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.forms import FocusFirstError, ListedModelChoiceField, RefuseWhatDoesNotFit
from cm_portal.models import Organisation, Role, User
from cm_portal.programmes.models import Programme

from .identity import normalise_identity_number
from .models import (
    CONTACT_FIELDS,
    PARTICIPANT_FIELDS,
    ActivityKind,
    ContactKind,
    EndReason,
    EntryPath,
    Gender,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CaseloadFilterForm(forms.Form):
    SORT_CHOICES = [
        ("reference", _("Reference, ascending")),
        ("-reference", _("Reference, descending")),
        ("name", _("Name, ascending")),
        ("-name", _("Name, descending")),
        ("start", _("Intervention started, earliest first")),
        ("-start", _("Intervention started, latest first")),
        ("case_manager", _("Case manager, ascending")),
        ("-case_manager", _("Case manager, descending")),
        ("deadline", _("Next deadline, soonest first")),
        ("-deadline", _("Next deadline, latest first")),
    ]

    STATUS_CHOICES = [("", _("All")), ("open", _("Open")), ("closed", _("Closed"))]

    q = forms.CharField(label=_("Search reference or name"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    crisis_relevant = forms.BooleanField(label=_("Needs a crisis plan only"), required=False)
    organisation = ListedModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organisation.objects.order_by("name"),
        empty_label=_("All organisations"),
        to_field_name="slug",
    )
    # The table's column headings link to the same values (the headings are hidden on a
    # phone, where the rows stack: the select sorts there).
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)


class ParticipantForm(RefuseWhatDoesNotFit, FocusFirstError, forms.Form):
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

    FIELDS = PARTICIPANT_FIELDS

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


def add_programme_choice(form: forms.Form, programmes) -> None:
    """A choice of programme when the organisation takes part in more than one (with one,
    the participant or activity goes into it without a question)."""
    programmes = list(programmes)
    if len(programmes) > 1:
        form.fields["programme"] = forms.ModelChoiceField(
            label=_("Programme"),
            queryset=Programme.objects.filter(pk__in=[p.pk for p in programmes]).order_by(
                "start", "name"
            ),
            help_text=_("Its goals, deadlines and reports apply."),
        )


class IntakeForm(ParticipantForm):
    register_anyway = forms.BooleanField(
        label=_("Register anyway: this is a different person"), required=False
    )

    def __init__(self, *args, programmes=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        add_programme_choice(self, programmes)


class ContactForm(RefuseWhatDoesNotFit, FocusFirstError, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=24 * 60
    )
    counterpart = forms.CharField(label=_("With whom"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Short note"), max_length=1000, required=False, widget=forms.Textarea({"rows": 2})
    )

    FIELDS = CONTACT_FIELDS

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class CloseForm(RefuseWhatDoesNotFit, FocusFirstError, forms.Form):
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    # Radio buttons: seven short choices read better as a list than behind a select.
    reason_code = forms.ChoiceField(
        label=_("Reason for ending"), choices=EndReason.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("More about the reason (optional)"),
        max_length=200,
        required=False,
        help_text=_("Not shown in the reports or the research data."),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class LegalHoldForm(forms.Form):
    hold = forms.TypedChoiceField(
        choices=[("on", _("Place a legal hold")), ("off", _("Lift the legal hold"))],
        coerce=lambda value: value == "on",
    )


class RetentionScheduleForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Falls due within"),
        choices=[(30, _("30 days")), (60, _("60 days")), (365, _("a year"))],
        coerce=int,
        initial=60,
        required=False,
        empty_value=60,
    )


class ActivityForm(RefuseWhatDoesNotFit, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=24 * 60
    )
    people_reached = forms.IntegerField(label=_("People reached"), min_value=0)
    first_time_visitors = forms.IntegerField(
        label=_("First-time visitors"),
        min_value=0,
        help_text=_("Of the people reached, how many came for the first time."),
    )

    FIELDS = ("kind", "date", "duration_minutes", "people_reached", "first_time_visitors")

    def __init__(self, *args, programmes=(), **kwargs) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        add_programme_choice(self, programmes)


def case_workers(organisation: Organisation, *, active_only: bool = True):
    """Staff of the organisation who can be assigned to participants."""
    staff = User.objects.filter(
        organisation=organisation, role__in=(Role.CASE_MANAGER, Role.TEAM_LEAD)
    )
    if active_only:
        staff = staff.filter(is_active=True)
    return staff.order_by("name")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.name if obj.is_active else _("%(name)s (inactive)") % {"name": obj.name}


class AssignForm(forms.Form):
    staff = StaffChoiceField(label=_("Case manager"), queryset=User.objects.none())

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = case_workers(organisation)


class UnassignForm(forms.Form):
    staff = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args, assigned: list[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = User.objects.filter(pk__in=[user.pk for user in assigned])


class ReassignForm(forms.Form):
    """Change case manager: the one who leaves the case and the one who takes it over."""

    from_user = StaffChoiceField(label=_("Instead of"), queryset=User.objects.none())
    to_user = StaffChoiceField(label=_("New case manager"), queryset=User.objects.none())

    def __init__(self, *args, organisation: Organisation, assigned: list[User], **kwargs) -> None:
        if len(assigned) == 1:
            kwargs.setdefault("initial", {"from_user": assigned[0].pk})
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = User.objects.filter(
            pk__in=[user.pk for user in assigned]
        ).order_by("name")
        self.fields["to_user"].queryset = case_workers(organisation).exclude(
            pk__in=[user.pk for user in assigned]
        )


class TransferForm(forms.Form):
    # A caseload is often moved because someone left: inactive staff can be the source.
    from_user = StaffChoiceField(label=_("From"), queryset=User.objects.none())
    to_user = StaffChoiceField(label=_("To"), queryset=User.objects.none())

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = case_workers(organisation, active_only=False)
        self.fields["to_user"].queryset = case_workers(organisation)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            raise forms.ValidationError(_("Choose two different case managers."))
        return data
