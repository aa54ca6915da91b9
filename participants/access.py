"""The one way to fetch a participant: who may see and who may change whom.

- case managers see and change the participants assigned to them (guardian object
  permission ``change_participant``), but only while the participant belongs to their own
  organisation: an assignment left behind by a move to another organisation gives nothing;
- a team lead sees and changes every participant of their own organisation;
- staff who work with cases in another organisation see a participant only while a
  valid sharing grant (from a consent) covers their organisation;
- the steering group and administrators never see an individual.

Anyone else gets 404, exactly as for a participant that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cm_portal import access_log
from cm_portal.models import AccessEvent, User

from .models import Participant, ParticipantUserObjectPermission, SharingGrant

Need = Literal["view", "change"]
# The object permission that assigns a case manager to a participant.
ASSIGNED = "change_participant"


def _assignments_of(user: User) -> QuerySet[ParticipantUserObjectPermission]:
    """The user's own assignments: guardian's object permission ``change_participant`` given
    to the user (never through a group), as ``get_objects_for_user(user, ...,
    use_groups=False, with_superuser=False, accept_global_perms=False)`` reads them; written
    out here so that every list and count carries one plain subquery, not guardian's nested
    two, built and planned on every request."""
    return ParticipantUserObjectPermission.objects.filter(
        user=user,
        permission__content_type=ContentType.objects.get_for_model(Participant),
        permission__codename=ASSIGNED,
    )


def _shared_with(user: User) -> QuerySet[SharingGrant]:
    return SharingGrant.objects.filter(
        SharingGrant.valid_on(timezone.localdate()),
        organisation_id=user.organisation_id,
    ).exclude(participant__organisation_id=user.organisation_id)


def participants_for(user: User, *, need: Need = "view") -> QuerySet[Participant]:
    """The participants this user may see (or change): the scoped queryset for lists.

    Written so that PostgreSQL can use its indexes at a city's size: a case manager's rows
    are one ``IN`` over the union of the assigned and the shared ids (an ``OR`` of two
    ``IN`` subqueries makes it read every participant); a team lead's own organisation
    covers every assignment, which is within the organisation.
    """
    if not user.is_active or not user.works_with_cases:
        return Participant.objects.none()
    if user.is_team_lead:
        allowed = Q(organisation_id=user.organisation_id)
        if need == "view":
            allowed |= Q(pk__in=_shared_with(user).values("participant_id"))
        return Participant.objects.filter(allowed)
    # Assignments count within the user's own organisation only (security.md 29): one that
    # outlived a move of the person (or of the case) is ignored here, checked on every
    # request, whatever else should have removed it.
    reachable = Participant.objects.filter(
        organisation_id=user.organisation_id,
        pk__in=_assignments_of(user).values("content_object_id"),
    ).values("pk")
    if need == "view":
        reachable = reachable.union(_shared_with(user).values("participant_id"))
    return Participant.objects.filter(pk__in=reachable)


def may_change(user: User) -> Q:
    """The condition on a participant's own row under which ``participants_for(user,
    need="change")`` holds it: for marking the rows of a list in the list's one query."""
    if not user.is_active or not user.works_with_cases:
        return Q(pk__in=[])
    own = Q(organisation_id=user.organisation_id)
    if user.is_team_lead:
        return own
    assigned = _assignments_of(user).filter(content_object=OuterRef("pk"))
    return own & Q(Exists(assigned))


def leads_team_of(user: User, participant: Participant) -> bool:
    """Whether the user is a team lead of the participant's organisation (the one rule)."""
    if not user.is_team_lead:
        return False
    return participant.organisation_id == user.organisation_id


def can_change(
    user: User, participant: Participant, *, assigned: Iterable[User] | None = None
) -> bool:
    """Whether the user may change the participant: ``participants_for(user, need="change")``
    for one participant, checked on one loaded. ``assigned``: the participant's assigned case
    managers when the caller has them already (``services.assigned_case_managers``), which
    spares the query."""
    if not user.works_with_cases:
        return False
    if participant.organisation_id != user.organisation_id:
        return False
    if leads_team_of(user, participant):
        return True
    # What user.has_perm("participants.change_participant", participant) answers, in one
    # query instead of guardian's two (the user's and their groups' object permissions):
    # assignments are never given through a group, and participants_for ignores groups too.
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if assigned is not None:
        return any(manager.pk == user.pk for manager in assigned)
    return _assignments_of(user).filter(content_object_id=participant.pk).exists()


def _refused(user: User, pk: int) -> Http404:
    """The 404 for a participant out of the user's reach; logged as refused when the
    participant exists (the log reviewer sees the attempt; the user sees nothing more)."""
    if Participant.objects.filter(pk=pk).exists():
        access_log.record(
            action=AccessEvent.Action.REFUSED,
            actor=user,
            object_type="participant",
            object_id=pk,
        )
    return Http404()


def access_participant(user: User, pk: int, *, need: Need = "view") -> Participant:
    """Fetch a participant the user may see (``need="view"``) or change; else 404."""
    if not user.is_authenticated:
        raise Http404
    if not user.works_with_cases:
        raise _refused(user, pk)
    try:
        participant = participants_for(user, need=need).select_related("organisation").get(pk=pk)
    except Participant.DoesNotExist:
        raise _refused(user, pk) from None
    return participant


class _OfParticipant(Protocol):
    participant_id: int
    participant: Participant


def access_of_participant[M: Model](
    user: User, model: type[M], pk: int, *, participant_pk: int, need: Need = "view"
) -> M:
    """Fetch a ``model`` row (a consent, a meeting, a PDF) that belongs to the participant
    named in the URL, through that participant's access; else 404, exactly as for a missing
    row. Its ``participant`` is the one ``access_participant`` fetched."""
    if not user.is_authenticated:
        raise Http404
    obj = model._default_manager.filter(pk=pk, participant_id=participant_pk).first()
    if obj is None:
        raise Http404
    # The participant's own access rules decide; it answers 404 for no access too.
    owned = cast(_OfParticipant, obj)
    owned.participant = access_participant(user, owned.participant_id, need=need)
    return obj


def access_participant_as_team_lead(user: User, pk: int) -> Participant:
    """A participant for a team lead's decision (assign, unassign, legal hold).

    404 for one the user may not change, as ``access_participant``; 403 for one they may
    change but whose team they do not lead: the participant is theirs to see, so refusing
    the action names nothing they could not see already.
    """
    participant = access_participant(user, pk, need="change")
    if not leads_team_of(user, participant):
        raise PermissionDenied
    return participant
