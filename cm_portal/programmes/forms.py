"""The administrators' forms for programmes, their phases, members and goals."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cm_portal.models import Organisation, Role, User

from .goals import CATALOGUE, GoalKind
from .models import EntryPath, Programme, ReportingPeriod, age_bins_error

AGE_BIN = re.compile(r"^\s*(\d{1,3})\s*[-\u2013]\s*(\d{1,3})\s*$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProgrammeForm(forms.Form):
    """A programme's data; the phases as one line each: "short name; name; first; last"."""

    slug = forms.SlugField(label=gettext_lazy("Short name"), max_length=50)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    start = forms.DateField(label=gettext_lazy("First day"), widget=DateInput())
    end = forms.DateField(
        label=gettext_lazy("Last day"),
        widget=DateInput(),
        help_text=gettext_lazy("Included: the programme runs to and including this day."),
    )
    organisations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Organisations taking part"),
        queryset=Organisation.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    age_min = forms.IntegerField(
        label=gettext_lazy("Target group: lowest age"), min_value=0, max_value=130, required=False
    )
    age_max = forms.IntegerField(
        label=gettext_lazy("Target group: highest age"), min_value=0, max_value=130, required=False
    )
    age_bins = forms.CharField(
        label=gettext_lazy("Age groups of the breakdowns"),
        required=False,
        help_text=gettext_lazy("Comma-separated, ascending, e.g. 18-21, 22-25. Others: 'other'."),
    )
    entry_paths = forms.MultipleChoiceField(
        label=gettext_lazy("Entry paths"),
        choices=EntryPath.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    reporting_periods = forms.MultipleChoiceField(
        label=gettext_lazy("Reporting periods"),
        choices=ReportingPeriod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Steering and project group members"),
        queryset=User.objects.filter(
            role__in=[Role.STEERING_GROUP, Role.PROJECT_GROUP], is_active=True
        ).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("They see this programme's reports, and no other's."),
    )
    phases = forms.CharField(
        label=gettext_lazy("Phases"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy(
            "One line each: short name; name; first month; last month. Months count from "
            "the programme's start, from 1, without gaps."
        ),
    )

    def __init__(self, *args, editing: Programme | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if editing is not None:
            # The short name is in links and case files: it does not change.
            self.fields["slug"].disabled = True

    def clean_age_bins(self) -> list[list[int]]:
        text = self.cleaned_data.get("age_bins") or ""
        bins = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            match = AGE_BIN.match(part)
            if not match:
                raise ValidationError(
                    _("'%(part)s' is not an age group: write it as 18-21.") % {"part": part}
                )
            bins.append([int(match.group(1)), int(match.group(2))])
        if error := age_bins_error(bins):
            raise ValidationError(error)
        return bins

    def clean_phases(self) -> list[tuple[str, str, int, int]]:
        phases = []
        for number, line in enumerate((self.cleaned_data.get("phases") or "").splitlines(), 1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")]
            if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
                raise ValidationError(
                    _(
                        "Line %(n)d: write short name; name; first month; last month, "
                        "e.g. start; Start; 1; 6."
                    )
                    % {"n": number}
                )
            phases.append((parts[0], parts[1], int(parts[2]), int(parts[3])))
        return phases

    @staticmethod
    def initial_of(programme: Programme) -> dict[str, Any]:
        return {
            "slug": programme.slug,
            "name": programme.name,
            "start": programme.start,
            "end": programme.end,
            "organisations": list(programme.organisations.all()),
            "age_min": programme.age_min,
            "age_max": programme.age_max,
            "age_bins": ", ".join(f"{low}-{high}" for low, high in programme.age_bins),
            "entry_paths": programme.entry_paths,
            "reporting_periods": programme.reporting_periods,
            "members": list(programme.members.all()),
            "phases": "\n".join(
                f"{p.key}; {p.name}; {p.first_month}; {p.last_month}"
                for p in programme.phases.all()
            ),
        }


class GoalForm(forms.Form):
    """One goal of the catalogue and its parameters; those the kind does not take stay
    empty (the catalogue's check names any that is wrong)."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of goal"), choices=GoalKind.choices)
    target = forms.IntegerField(
        label=gettext_lazy("Target (participants)"),
        required=False,
        help_text=gettext_lazy("Participants reached."),
    )
    target_percent = forms.IntegerField(
        label=gettext_lazy("Target (percent)"),
        required=False,
        help_text=gettext_lazy("Every kind but participants reached."),
    )
    window_days = forms.IntegerField(
        label=gettext_lazy("Window (days)"),
        required=False,
        help_text=gettext_lazy("Individual plan and crisis plan."),
    )
    horizon_months = forms.IntegerField(
        label=gettext_lazy("Horizon (months)"),
        required=False,
        help_text=gettext_lazy("Prioritised contacts."),
    )


class GoalRemoveForm(forms.Form):
    kind = forms.ChoiceField(choices=[(kind, kind) for kind in CATALOGUE])
