"""Forms for coordination meetings: book, record the invitation, record the minutes."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.models import User
from participants.forms import DateInput

from ..models import CoordinationMeeting, Goal, MeetingKind, OfferAnswer
from ..services.meetings import ActionValue


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%H:%M", **kwargs)


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class OfferForm(forms.Form):
    offered_on = forms.DateField(label=_("Offered on"), widget=DateInput())
    unit = forms.CharField(
        label=_("Offered by the unit"),
        max_length=200,
        help_text=_("The unit that discovered the need takes the initiative."),
    )
    offerer = forms.ModelChoiceField(
        label=_("Offered by"), queryset=User.objects.none(), required=False
    )
    answer = forms.ChoiceField(
        label=_("The participant's answer"), choices=OfferAnswer.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, staff, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offerer"].queryset = staff


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class PreparationForm(forms.Form):
    """Step 3's date, time, place and agenda: booked with the meeting, changed while it is
    planned (``meeting_preparation_change``)."""

    meeting_on = forms.DateField(label=_("Meeting date"), widget=DateInput())
    starts_at = forms.TimeField(label=_("Starts at"), required=False, widget=TimeInput())
    ends_at = forms.TimeField(label=_("Ends at"), required=False, widget=TimeInput())
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.URLField(
        label=_("Video link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Instead of, or as well as, a place."),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The questions to discuss, planned together with the participant."),
    )


class MeetingForm(PreparationForm):
    # The booking page asks in this order: what and why, then the preparation, then who.
    field_order = [
        "kind",
        "need",
        *PreparationForm.base_fields,
        "participant_agreed",
        "guardian_consented",
        "units",
        "staff",
        "outside_parties",
    ]

    kind = forms.ChoiceField(
        label=_("Kind of meeting"),
        choices=MeetingKind.choices,
        initial=MeetingKind.INTERN_SIP,
        widget=forms.RadioSelect,
    )
    need = forms.CharField(
        label=_("The need for coordination"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the units and actors need to agree on together."),
    )
    participant_agreed = forms.BooleanField(
        label=_("The participant agrees to the meeting"),
        required=False,
        help_text=_("Ask the participant before booking: the meeting is held only if they agree."),
    )
    guardian_consented = forms.BooleanField(
        label=_("The guardians consent (participant under 18)"),
        required=False,
        help_text=_("Needed when the participant is under 18 on the meeting date."),
    )
    units = forms.CharField(
        label=_("Invited units of our own organisation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One unit a line."),
    )
    staff = StaffChoiceField(
        label=_("Invited staff (by name; they are e-mailed the invitation)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    outside_parties = forms.CharField(
        label=_("Invited private network and outside parties"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, covered: list[str], staff=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff if staff is not None else User.objects.none()
        if covered:
            self.fields["outside_parties"].help_text = _(
                "One a line. Each must be covered by a valid consent. Covered today: %(names)s."
            ) % {"names": ", ".join(covered)}
        else:
            self.fields["outside_parties"].help_text = _(
                "One a line. Each must be covered by a valid consent: no consent of the "
                "participant covers an outside party today."
            )

    def clean_units(self) -> list[str]:
        return _lines(self.cleaned_data["units"])

    def clean_outside_parties(self) -> list[str]:
        return _lines(self.cleaned_data["outside_parties"])


class InvitationForm(forms.Form):
    sent_on = forms.DateField(
        label=_("Invitation sent on"),
        widget=DateInput(),
    )

    def __init__(self, *args, days_ahead: int | None = None, **kwargs) -> None:
        kwargs.setdefault("initial", {"sent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if days_ahead is not None:
            self.fields["sent_on"].help_text = _("At least %(days)d days before the meeting.") % {
                "days": days_ahead
            }


ATTENDANCE_CHOICES = [("", _("Not recorded")), ("present", _("Came")), ("absent", _("Absent"))]


class MinutesForm(forms.Form):
    chair = forms.CharField(label=_("Chair"), max_length=100)
    minute_taker = forms.CharField(label=_("Minute-taker"), max_length=100)
    minutes = forms.CharField(
        label=_("The agreed plan (minutes)"), widget=forms.Textarea(attrs={"rows": 6})
    )
    lead_unit = forms.CharField(
        label=_("Lead unit"),
        max_length=200,
        required=False,
        help_text=_("The unit that has the main responsibility."),
    )
    follow_up_on = forms.DateField(
        label=_("Follow-up meeting"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional; after the meeting date."),
    )
    no_decision = forms.BooleanField(
        label=_("No decision on responsibility was reached"), required=False
    )
    escalation_agreed = forms.BooleanField(
        label=_("The participant agrees that the question is taken to the managers"),
        required=False,
    )
    escalated_to = forms.CharField(
        label=_("Taken to (managers)"),
        max_length=200,
        required=False,
        help_text=_("Whom the question goes to, when no decision was reached."),
    )

    def __init__(self, *args, invitees=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitee_fields = []
        for invitee in invitees:
            name = f"attended_{invitee.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("Attendance: %(name)s") % {"name": invitee.name},
                choices=ATTENDANCE_CHOICES,
                required=False,
            )
            self.invitee_fields.append((invitee.pk, name))

    def attendance(self) -> dict[int, bool | None]:
        values = {"present": True, "absent": False}
        return {pk: values.get(self.cleaned_data.get(name, "")) for pk, name in self.invitee_fields}

    def service_values(self) -> dict:
        return {
            key: value
            for key, value in self.cleaned_data.items()
            if not key.startswith("attended_")
        }


class ActionForm(forms.Form):
    who = forms.CharField(label=_("Who"), max_length=200, required=False)
    what = forms.CharField(
        label=_("Does what"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_on = forms.DateField(label=_("By when"), required=False, widget=DateInput())
    goal = forms.ModelChoiceField(
        label=_("For the goal of the plan"), queryset=Goal.objects.none(), required=False
    )

    def __init__(self, *args, goals=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals if goals is not None else Goal.objects.none()


ActionFormSet = forms.formset_factory(ActionForm, extra=3, max_num=50, validate_max=True)


def action_formset(data, meeting: CoordinationMeeting):
    """The actions' rows; a post without them (a client that sends no actions) has none."""
    goals = Goal.objects.filter(plan__participant_id=meeting.participant_id)
    if data is not None and "actions-TOTAL_FORMS" not in data:
        data = None
    return ActionFormSet(data, prefix="actions", form_kwargs={"goals": goals})


def actions_valid(formset) -> bool:
    return not formset.is_bound or formset.is_valid()


def action_values(formset) -> list[ActionValue]:
    if not formset.is_bound:
        return []
    return [
        ActionValue(
            who=form.cleaned_data.get("who", ""),
            what=form.cleaned_data.get("what", ""),
            due_on=form.cleaned_data.get("due_on"),
            goal=form.cleaned_data.get("goal"),
        )
        for form in formset.forms
        if form.cleaned_data
    ]
