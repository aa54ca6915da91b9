"""``get_FOO_display`` that translates each choice once per language and process.

Django's own builds ``dict(make_hashable(field.flatchoices))`` on every call, which turns
every lazy label of the field into a string (a gettext each) to look one up: a list of a
hundred rows paid for hundreds of translations. The profile of the start page put 16 % of
its time there (bench/profile.py). Put ``ChoiceLabels`` before ``models.Model`` in a model's
bases: the label dictionary is made once per field and language, then only looked up.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import Field
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@cache
def _labels(field: Field, language: str | None) -> dict[Any, Any]:
    # force_str with the language active: the labels in that language, plain strings.
    return {
        make_hashable(value): force_str(label, strings_only=True)
        for value, label in field.flatchoices
    }


class ChoiceLabels:
    """A model mixin: the same labels as Django's ``get_FOO_display``, looked up, not built."""

    def _get_FIELD_display(self, field: Field) -> Any:
        value = getattr(self, field.attname)
        labels = _labels(field, get_language())
        return labels.get(make_hashable(value), force_str(value, strings_only=True))
