"""cm_portal.choices.ChoiceLabels: the labels of Django's get_FOO_display, in the active
language, looked up from a dictionary made once per field and language."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.utils import translation

from participants.models import Contact, ContactKind, Gender, Participant
from plans.models import Deadline, DeadlineKind


def _django_label(instance, name: str):
    field = type(instance)._meta.get_field(name)
    return Model._get_FIELD_display(instance, field)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_labels_are_django_s_in_each_language(language):
    cases = [
        *[(Contact(kind=kind), "kind") for kind in ContactKind.values],
        *[(Deadline(kind=kind), "kind") for kind in DeadlineKind.values],
        *[(Participant(gender=gender), "gender") for gender in Gender.values],
        (Contact(kind="no-such-kind"), "kind"),  # an unknown value shows as it is
    ]
    with translation.override(language):
        for instance, name in cases:
            mine = getattr(instance, f"get_{name}_display")()
            assert mine == _django_label(instance, name)
            assert type(mine) is str
