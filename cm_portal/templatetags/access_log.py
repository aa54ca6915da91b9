"""Template helpers for the access-log pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def get_mark(marks: dict, event_id: int) -> str:
    """A log review's mark of one sampled access ("" when not marked yet)."""
    return marks.get(str(event_id), "") if isinstance(marks, dict) else ""
