"""Reads shared by the administrators' pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AccessEvent, User


def staff_list(
    *, q: str = "", role: str = "", organisation=None, active: str = ""
) -> QuerySet[User]:
    staff = User.objects.select_related("organisation").order_by("name", "email")
    if q:
        staff = staff.filter(Q(name__icontains=q) | Q(email__icontains=q))
    if role:
        staff = staff.filter(role=role)
    if organisation is not None:
        staff = staff.filter(organisation=organisation)
    if active == "yes":
        staff = staff.filter(is_active=True)
    elif active == "no":
        staff = staff.filter(is_active=False)
    return staff


def emails_of_role(role: str) -> list[str]:
    """Where to send a role's notices (the steering group's reports, retention): the
    active accounts with that role, oldest account first."""
    return list(
        User.objects.filter(role=role, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def access_events(
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AccessEvent]:
    events = AccessEvent.objects.order_by("-at", "-id")
    if actor:
        events = events.filter(actor_email__icontains=actor)
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return events
