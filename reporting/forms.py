"""The period chooser of the reports and exports (a GET form: it changes nothing)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cm_portal.forms import HiddenFieldErrorsShown
from cm_portal.programmes.models import Programme

from .periods import (
    KIND_CHOICES,
    Kind,
    Period,
    kind_choices,
    period_from_query,
    project_quarter_count,
    project_year_count,
)

# The fields each kind needs; the first one carries an error about the period as a whole.
NEEDS: dict[str, list[str]] = {
    Kind.PROJECT_QUARTER: ["n"],
    Kind.PROJECT_YEAR: ["n"],
    Kind.CALENDAR_QUARTER: ["year", "q"],
    Kind.TERTIAL: ["year", "t"],
    Kind.YEAR: ["year"],
    Kind.MONTH: ["year", "m"],
    Kind.CUSTOM: ["to", "from"],
    Kind.TO_DATE: [],
    Kind.PARTNERSHIP: [],
}


# The fields the page shows for each kind (issue 17): those it needs, and "to" for the
# project to date, where it may be left empty for today.
SHOWN: dict[str, list[str]] = {
    **{kind: list(reversed(names)) for kind, names in NEEDS.items()},
    Kind.TO_DATE: ["to"],
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodForm(forms.Form):
    """Every field is shown (no script needed); ``kind`` says which of them count.

    Bind it to ``request.GET``; after ``is_valid()``, ``form.period`` is the ``Period`` in
    ``programme`` (the programme's own kinds of period, quarters and years). The field names
    are those of ``period_from_query`` plus ``programme`` (its slug), so the query string of a
    valid form is also a report query (exports and PDFs take it as it is).
    """

    programme = forms.ChoiceField(label=gettext_lazy("Programme"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of period"), choices=KIND_CHOICES)
    n = forms.IntegerField(
        label=gettext_lazy("Project quarter or project year number"),
        required=False,
        min_value=1,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        help_text=gettext_lazy("For a calendar quarter, a tertial or a calendar year."),
        required=False,
        min_value=2020,
        max_value=2035,
    )
    q = forms.TypedChoiceField(
        label=gettext_lazy("Calendar quarter"),
        help_text=gettext_lazy("Quarter 1 is January to March."),
        choices=[("", "---"), *[(str(q), str(q)) for q in range(1, 5)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    m = forms.TypedChoiceField(
        label=gettext_lazy("Month"),
        help_text=gettext_lazy("For a month: 1 is January."),
        choices=[("", "---"), *[(str(m), str(m)) for m in range(1, 13)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    t = forms.TypedChoiceField(
        label=gettext_lazy("Tertial"),
        help_text=gettext_lazy(
            "1 = January to April, 2 = May to August, 3 = September to December."
        ),
        choices=[("", "---"), *[(str(t), str(t)) for t in range(1, 4)]],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(
        self,
        *args,
        programme: Programme,
        programmes: list[Programme] | None = None,
        today: date | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"programme": programme.slug, **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.today = today
        self.programme = programme
        self.period: Period | None = None
        offered = programmes or [programme]
        self.fields["programme"].choices = [(p.slug, p.name) for p in offered]
        if len(offered) == 1:
            self.fields["programme"].widget = forms.HiddenInput()
        self.fields["kind"].choices = kind_choices(programme)
        quarters, years = project_quarter_count(programme), project_year_count(programme)
        self.fields["n"].max_value = quarters
        self.fields["n"].validators.append(MaxValueValidator(quarters))
        self.fields["n"].help_text = _(
            "Project quarter 1 to %(quarters)d, or project year 1 to %(years)d, counted from "
            "the programme's start on %(start)s."
        ) % {"quarters": quarters, "years": years, "start": programme.start.isoformat()}
        # "from" is a Python keyword, so these two are added here rather than declared.
        self.fields["from"] = forms.DateField(
            label=gettext_lazy("From"),
            help_text=gettext_lazy("For your own dates: the first day, YYYY-MM-DD."),
            required=False,
            widget=DateInput(),
        )
        self.fields["to"] = forms.DateField(
            label=gettext_lazy("To"),
            help_text=gettext_lazy(
                "For your own dates: the last day, YYYY-MM-DD. For project to date: "
                "leave empty for today."
            ),
            required=False,
            widget=DateInput(),
        )

    def shown_fields(self, kind: str | None) -> list[forms.BoundField]:
        """The fields of ``kind`` only (the page's second step): without script, the first
        step chooses the kind, and a phone is spared the other six."""
        return [self[name] for name in SHOWN.get(kind or "", [])]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if not kind:
            return cleaned
        # A field the chosen kind neither needs nor shows is ignored, errors and all: the page
        # shows only that kind's fields, so an error there could not be read (issue 17).
        for name in [name for name in self.errors if name in self.fields]:
            if name != "kind" and name not in SHOWN[kind] and name not in ("programme",):
                del self.errors[name]
        missing = False
        for name in NEEDS[kind]:
            if name in self.errors:
                missing = True
            elif cleaned.get(name) in (None, ""):
                self.add_error(
                    name,
                    _("Fill this in for the kind of period you chose (%(kind)s).")
                    % {"kind": dict(KIND_CHOICES)[kind]},
                )
                missing = True
        if missing:
            return cleaned
        params = {"kind": kind}
        for name in ("n", "year", "q", "t", "m"):
            if cleaned.get(name) is not None:
                params[name] = str(cleaned[name])
        for name in ("from", "to"):
            if cleaned.get(name) is not None:
                params[name] = cleaned[name].isoformat()
        try:
            self.period = period_from_query(params, programme=self.programme, today=self.today)
        except ValueError as error:
            self.add_error(NEEDS[kind][0] if NEEDS[kind] else None, str(error))
        return cleaned


class ClosingVersionForm(HiddenFieldErrorsShown, forms.Form):
    """The document or section version the page was loaded with."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ClosingSectionForm(ClosingVersionForm):
    """One part of a final report or written account. The budget fields belong to the
    timetable and budget part, the file to the research part; the others drop them."""

    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "About the programme, never about a person: no name, personal identity number "
            "or participant reference."
        ),
    )
    budget_ceiling = forms.IntegerField(
        label=gettext_lazy("The district's contribution, at most (kr)"),
        required=False,
        min_value=0,
        max_value=1_000_000_000,
    )
    budget_used = forms.IntegerField(
        label=gettext_lazy("Used of the district's contribution (kr)"),
        required=False,
        min_value=0,
        max_value=1_000_000_000,
    )
    attachment = forms.FileField(
        label=gettext_lazy("The research results (PDF, at most 10 MB)"),
        required=False,
        help_text=gettext_lazy("Leave empty to keep the file attached already."),
    )

    def __init__(self, *args, budget: bool = False, attachment: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not budget:
            del self.fields["budget_ceiling"]
            del self.fields["budget_used"]
        if not attachment:
            del self.fields["attachment"]
