"""The report page's period form, shown one kind at a time."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def shown_fields(form, kind):
    """The fields of the chosen kind of period (``PeriodForm.shown_fields``)."""
    return form.shown_fields(kind)
