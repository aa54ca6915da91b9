"""Reads about programmes that views, reports and notices share."""

from __future__ import annotations

from django.db.models import QuerySet

from cm_portal.models import Role, User

from .models import Programme


def programme_member_emails(programme: Programme) -> list[str]:
    """Where a programme's report notices go: its active steering- and project-group
    members, oldest account first."""
    return list(
        programme.members.filter(role__in=[Role.STEERING_GROUP, Role.PROJECT_GROUP], is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def report_programmes(user: User) -> QuerySet[Programme]:
    """The programmes whose reports ``user`` may see: a steering- or project-group member
    those they are a member of, a team lead those their organisation takes part in (its own
    figures only), nobody else any."""
    programmes = Programme.objects.prefetch_related("goals", "phases").order_by("start", "name")
    if user.role in (Role.STEERING_GROUP, Role.PROJECT_GROUP):
        return programmes.filter(members=user)
    if user.role == Role.TEAM_LEAD:
        return programmes.filter(organisations=user.organisation_id)
    return programmes.none()


def intake_programmes(user: User) -> QuerySet[Programme]:
    """The programmes a participant registered by ``user`` may be enrolled in: those their
    organisation takes part in."""
    return Programme.objects.filter(organisations=user.organisation_id).order_by("start", "name")
