"""Forms for coordination meetings: book, record the invitation, record the minutes."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput

from ..models import MeetingKind


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class MeetingForm(forms.Form):
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
    meeting_on = forms.DateField(label=_("Meeting date"), widget=DateInput())
    participant_agreed = forms.BooleanField(
        label=_("The participant agrees to the meeting"),
        required=False,
        help_text=_("Ask the participant before booking: the meeting is held only if they agree."),
    )
    units = forms.CharField(
        label=_("Invited units of our own organisation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One unit or person a line."),
    )
    outside_parties = forms.CharField(
        label=_("Invited outside parties"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, covered: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
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
        help_text=_("At least 14 days before the meeting."),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"sent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


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
