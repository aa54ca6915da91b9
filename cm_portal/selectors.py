"""Reads shared by the administrators' pages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import AccessEvent, AccountChangeRequest, Role, User


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


def account_changes_to_decide(user: User) -> QuerySet[AccountChangeRequest]:
    """The pending account changes this person may approve or refuse (security.md 30).

    Must agree with ``services.account_change_deciders``: a team lead decides for their own
    organisation (never about themselves); an administrator only where the organisation
    has no other active team lead, and never their own request. One query.
    """
    pending = (
        AccountChangeRequest.objects.filter(status=AccountChangeRequest.Status.PENDING)
        .exclude(target=user)
        .exclude(requested_by=user)
        .select_related("target", "requested_by", "organisation")
        .order_by("requested_at", "id")
    )
    if not user.is_active:
        return pending.none()
    if user.is_team_lead:
        return pending.filter(organisation_id=user.organisation_id)
    if user.is_administrator:
        other_team_lead = User.objects.filter(
            organisation_id=OuterRef("organisation_id"), role=Role.TEAM_LEAD, is_active=True
        ).exclude(pk__in=[OuterRef("target_id"), OuterRef("requested_by_id")])
        return pending.exclude(Exists(other_team_lead))
    return pending.none()


def account_changes_of(target: User) -> QuerySet[AccountChangeRequest]:
    """Every change request of one account, newest first, for the administrators' page."""
    return target.change_requests.select_related("requested_by", "decided_by", "organisation")


def account_changes_pending(*, limit: int = 50) -> list[AccountChangeRequest]:
    """The change requests still waiting for a decision, oldest first, for the staff list."""
    return list(
        AccountChangeRequest.objects.filter(status=AccountChangeRequest.Status.PENDING)
        .select_related("target", "requested_by", "organisation")
        .order_by("requested_at", "id")[:limit]
    )
