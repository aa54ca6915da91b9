"""The unread reminders count for the navigation (one COUNT query, case workers only)."""

from __future__ import annotations

from django.http import HttpRequest

from .selectors.deadlines import unread_reminders_count


def unread_reminders(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.works_with_cases:
        return {}
    # Only after the second factor: before it the navigation is not shown at all.
    if not user.is_verified():
        return {}
    return {"unread_reminders": unread_reminders_count(user)}
