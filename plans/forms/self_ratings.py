"""Self-rating forms: the questions (shared by the case manager's form and the
participant's page), the case manager's entry and the link request."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.forms import DateInput
from plans.models import RatingPhase, SelfRating

UCLA_ANSWERS = [(1, _("Hardly ever")), (2, _("Some of the time")), (3, _("Often"))]
PARTICIPATION_QUESTION = _(
    "Do you take part in activities with other people as much as you would like?"
)
PARTICIPATION_ANSWERS = [
    (1, _("Not at all")),
    (2, _("A little")),
    (3, _("Partly")),
    (4, _("Mostly")),
    (5, _("Fully")),
]


def _question(label, choices) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=choices, coerce=int, widget=forms.RadioSelect
    )


class QuestionsForm(forms.Form):
    """The four questions, nothing else: what the participant sees through their link."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for number in (1, 2, 3):
            field = f"ucla_{number}"
            self.fields[field] = _question(
                SelfRating._meta.get_field(field).verbose_name, UCLA_ANSWERS
            )
        self.fields["participation"] = _question(PARTICIPATION_QUESTION, PARTICIPATION_ANSWERS)


class SelfRatingForm(QuestionsForm):
    """The case manager enters a rating given on paper or in a conversation."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        questions = dict(self.fields)
        self.fields.clear()
        self.fields["phase"] = forms.ChoiceField(
            label=_("Phase"), choices=RatingPhase.choices, widget=forms.RadioSelect
        )
        self.fields["rated_on"] = forms.DateField(
            label=_("Rated on"), widget=DateInput(), initial=timezone.localdate
        )
        self.fields.update(questions)


class LinkForm(forms.Form):
    phase = forms.ChoiceField(
        label=_("Phase"), choices=RatingPhase.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs) -> None:
        # Shown beside the rating form, which has a "phase" too: ids must not repeat.
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)
