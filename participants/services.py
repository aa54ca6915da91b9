"""Every write to participants, their contacts, assignments and sharing grants."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from cm_portal import access_log
from cm_portal.events import StaffMoved
from cm_portal.models import AccessEvent, Organisation, Role, User
from cm_portal.programmes.models import Programme
from cm_portal.programmes.services import programme_for_intake
from cm_portal.unset import UNSET, Unset, given

from .events import case_changed
from .models import (
    CONTACT_FIELDS,
    PARTICIPANT_FIELDS,
    ActivityRecord,
    CaseChange,
    Contact,
    Participant,
    ParticipantUserObjectPermission,
    SharingGrant,
)
from .selectors import likely_duplicates

Action = AccessEvent.Action
ASSIGNED = "change_participant"
# The access log's name for an assignment's change (old and new staff id).
CASE_MANAGER = "case_manager"


def reference_prefix(organisation: Organisation) -> str:
    """hela-manniskan → HM, district → D."""
    return "".join(part[0] for part in organisation.slug.split("-") if part).upper()


def _next_reference(organisation: Organisation) -> str:
    # The organisation row is locked by the caller, so two intakes never get one number.
    prefix = reference_prefix(organisation)
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    numbers = [
        int(match[1])
        for ref in Participant.objects.filter(
            organisation=organisation, reference__startswith=f"{prefix}-"
        ).values_list("reference", flat=True)
        if (match := pattern.match(ref))
    ]
    return f"{prefix}-{max(numbers, default=0) + 1:04d}"


def _display(participant_field: str, value: object) -> str:
    if participant_field == "personal_identity_number" and value:
        return str(value)[:8] + "-••••"  # never the full number, even in the change history
    return "" if value is None else str(value)


def record_field_changes(
    *, participant: Participant, obj, before: dict, actor: User | None
) -> list[str]:
    changed = [field for field, old in before.items() if getattr(obj, field) != old]
    CaseChange.objects.bulk_create(
        CaseChange(
            participant=participant,
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            field=field,
            old_value=_display(field, before[field]),
            new_value=_display(field, getattr(obj, field)),
            changed_by=actor,
        )
        for field in changed
    )
    return changed


def apply_tracked_changes(
    *, participant: Participant, obj, allowed: tuple[str, ...], values: dict, actor: User
) -> list[str]:
    """Validate and save ``values`` on ``obj``, keeping old and new value of each change.

    For any case object of the participant (the plans app uses it too). Runs inside the
    caller's transaction; returns the names of the fields that changed.
    """
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"cannot change {sorted(unknown)} of a {obj._meta.model_name}")
    before = {field: getattr(obj, field) for field in values}
    for field, value in values.items():
        setattr(obj, field, value)
    obj.full_clean()
    changed = record_field_changes(participant=participant, obj=obj, before=before, actor=actor)
    if changed:
        obj.save(update_fields=changed)
    return changed


def case_write_record(
    participant: Participant,
    *,
    action: str,
    actor: User | None,
    client_address: str | None,
    detail: str = "",
    data: Mapping[str, Any] | None = None,
) -> None:
    """Log a write to a participant's case data (on the participant) and have the case's
    deadlines recomputed: how every such write ends, inside its ``transaction.atomic``."""
    access_log.record(
        action=action,
        actor=actor,
        client_address=client_address,
        obj=participant,
        detail=detail,
        data=data,
    )
    case_changed(participant.pk)


def case_data_update(
    *,
    participant: Participant,
    obj,
    allowed: tuple[str, ...],
    values: dict,
    actor: User,
    client_address: str | None,
    detail: str,
) -> list[str]:
    """A plain edit of case data: apply ``values`` keeping old and new value of each change,
    log it (``detail`` followed by the changed fields, which are the data) and have the
    case's deadlines recomputed. Returns the names of the fields that changed."""
    with transaction.atomic():
        changed = apply_tracked_changes(
            participant=participant, obj=obj, allowed=allowed, values=values, actor=actor
        )
        if changed:
            access_log.record(
                action=Action.CHANGE,
                actor=actor,
                client_address=client_address,
                obj=participant,
                detail=detail + ",".join(changed),
                data=access_log.changes(changed),
            )
        case_changed(participant.pk)
    return changed


def case_data_create(
    *, participant: Participant, obj, actor: User | None, client_address: str | None, what: str
) -> None:
    """Store a new piece of case data (validated first), log it (``what`` and its id) and
    have the case's deadlines recomputed."""
    obj.full_clean()
    with transaction.atomic():
        obj.save(force_insert=True)
        case_write_record(
            participant,
            action=Action.CREATE,
            actor=actor,
            client_address=client_address,
            detail=f"{what} {obj.pk}",
        )


class PossibleDuplicate(ValidationError):
    """At intake, the data matches a participant of the organisation: the registration is
    refused until the user confirms it is a different person, and once they have, the
    registration's own errors come as this too (the page keeps showing the match)."""


def participant_register(
    *,
    organisation: Organisation,
    actor: User | None,
    reference: str = "",
    display_name: str = "",
    personal_identity_number: str = "",
    birth_year: int,
    gender: str = "",
    entry_path: str = "",
    crisis_relevant: bool = False,
    intervention_start: date,
    intervention_end: date | None = None,
    end_reason_code: str = "",
    end_reason: str = "",
    programme: Programme | None = None,
    at_intake: bool = False,
    register_anyway: bool = False,
    client_address: str | None = None,
) -> Participant:
    """Register a participant in ``programme`` (one the organisation takes part in; may be
    left out when it takes part in only one); the registering case manager is assigned.

    ``at_intake`` applies the duplicate-intake rule first: the data is checked against the
    organisation's participants (``duplicate_check``: logged, and past the hourly limit
    refused with ``TooManyDuplicateChecks``), and a match refuses with ``PossibleDuplicate`` unless
    ``register_anyway`` says this is a different person. Imports and tests register as is.
    """
    programme = programme_for_intake(organisation=organisation, programme=programme)
    matched = False
    if at_intake:
        if actor is None:
            raise ValueError("An intake is made by someone.")
        matched = duplicate_check(
            organisation=organisation,
            actor=actor,
            client_address=client_address,
            personal_identity_number=personal_identity_number,
            display_name=display_name,
            birth_year=birth_year,
        )
        if matched and not register_anyway:
            raise PossibleDuplicate(
                {
                    "register_anyway": _(
                        "Check that this is not the same person, then tick the box to register."
                    )
                }
            )
    try:
        return _registered(
            organisation=organisation,
            actor=actor,
            client_address=client_address,
            participant=Participant(
                organisation=organisation,
                programme=programme,
                reference=reference,
                created_by=actor,
                display_name=display_name,
                personal_identity_number=personal_identity_number,
                birth_year=birth_year,
                gender=gender,
                entry_path=entry_path,
                crisis_relevant=crisis_relevant,
                intervention_start=intervention_start,
                intervention_end=intervention_end,
                end_reason_code=end_reason_code,
                end_reason=end_reason,
            ),
        )
    except ValidationError as error:
        if matched:
            raise PossibleDuplicate(error) from None
        raise


def _registered(
    *,
    organisation: Organisation,
    actor: User | None,
    client_address: str | None,
    participant: Participant,
) -> Participant:
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        participant.reference = participant.reference or _next_reference(organisation)
        participant.full_clean()
        participant.save(force_insert=True)
        if actor is not None and actor.role == Role.CASE_MANAGER:
            assign_perm(ASSIGNED, actor, participant)
        case_write_record(
            participant, action=Action.CREATE, actor=actor, client_address=client_address
        )
    return participant


def participant_update(
    *,
    participant: Participant,
    actor: User,
    display_name: str | Unset = UNSET,
    personal_identity_number: str | Unset = UNSET,
    birth_year: int | Unset = UNSET,
    gender: str | Unset = UNSET,
    entry_path: str | Unset = UNSET,
    crisis_relevant: bool | Unset = UNSET,
    intervention_start: date | Unset = UNSET,
    client_address: str | None = None,
) -> list[str]:
    """Change intake data (the fields given); keeps old and new values of each change."""
    values = given(
        display_name=display_name,
        personal_identity_number=personal_identity_number,
        birth_year=birth_year,
        gender=gender,
        entry_path=entry_path,
        crisis_relevant=crisis_relevant,
        intervention_start=intervention_start,
    )
    return case_data_update(
        participant=participant,
        obj=participant,
        allowed=PARTICIPANT_FIELDS,
        values=values,
        actor=actor,
        client_address=client_address,
        detail="",
    )


def participant_close(
    *,
    participant: Participant,
    end_date: date,
    reason_code: str,
    reason: str = "",
    actor: User,
    client_address: str | None = None,
) -> Participant:
    """Close the case (avslut) with an end date, a coded reason (``EndReason``) and, if
    wanted, a few words more about it."""
    if not participant.is_open:
        raise ValidationError(_("The case is already closed."))
    before = {
        "intervention_end": None,
        "end_reason_code": participant.end_reason_code,
        "end_reason": participant.end_reason,
    }
    participant.intervention_end = end_date
    participant.end_reason_code = reason_code
    participant.end_reason = reason.strip()
    participant.full_clean()
    with transaction.atomic():
        record_field_changes(participant=participant, obj=participant, before=before, actor=actor)
        participant.save(update_fields=["intervention_end", "end_reason_code", "end_reason"])
        case_write_record(
            participant,
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            detail="closed",
        )
    return participant


def participant_reopen(
    *, participant: Participant, actor: User, client_address: str | None = None
) -> Participant:
    if participant.is_open:
        raise ValidationError(_("The case is open already."))
    before = {
        "intervention_end": participant.intervention_end,
        "end_reason_code": participant.end_reason_code,
        "end_reason": participant.end_reason,
    }
    participant.intervention_end = None
    participant.end_reason_code = ""
    participant.end_reason = ""
    with transaction.atomic():
        record_field_changes(participant=participant, obj=participant, before=before, actor=actor)
        participant.save(update_fields=["intervention_end", "end_reason_code", "end_reason"])
        case_write_record(
            participant,
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            detail="reopened",
        )
    return participant


def participant_set_legal_hold(
    *, participant: Participant, hold: bool, actor: User, client_address: str | None = None
) -> bool:
    """Place or lift a legal hold: a held case is kept past its retention period.

    Not an entry in the case: the retention period keeps running from the last one, so a
    lifted hold lets a long-due case go at the next nightly run. Returns whether it changed.
    """
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.legal_hold == hold:
            return False
        before = {"legal_hold": participant.legal_hold}
        participant.legal_hold = hold
        record_field_changes(participant=participant, obj=participant, before=before, actor=actor)
        participant.save(update_fields=["legal_hold"])
        access_log.record(
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            obj=participant,
            detail="legal_hold placed" if hold else "legal_hold lifted",
            data=access_log.change("legal_hold", not hold, hold),
        )
    return True


def assigned_case_managers(participant: Participant) -> list[User]:
    users = get_users_with_perms(
        participant, only_with_perms_in=[ASSIGNED], with_superusers=False, with_group_users=False
    )
    return sorted(users, key=lambda user: user.name)


def _check_assignable(participant: Participant, case_manager: User) -> None:
    if case_manager.organisation_id != participant.organisation_id:
        raise ValidationError(_("Only staff of the participant's organisation can be assigned."))
    if case_manager.role not in (Role.CASE_MANAGER, Role.TEAM_LEAD) or not case_manager.is_active:
        raise ValidationError(_("Only active case managers can be assigned."))


def _log_assignment(
    participant: Participant,
    old: User | None,
    new: User | None,
    actor: User | None,
    client_address: str | None,
    *,
    why: str = "",
) -> None:
    """Log a change of who is assigned: ``old`` leaves, ``new`` comes (either may be None)."""
    if old is None and new is not None:
        detail = f"assigned staff {new.pk}"
    elif new is None and old is not None:
        detail = f"unassigned staff {old.pk}"
    else:
        detail = f"moved from staff {old and old.pk} to staff {new and new.pk}"
    access_log.record(
        action=Action.CHANGE,
        actor=actor,
        client_address=client_address,
        obj=participant,
        detail=detail + why,
        data=access_log.change(CASE_MANAGER, old, new),
    )


def participant_assign(
    *,
    participant: Participant,
    case_manager: User,
    actor: User | None,
    client_address: str | None = None,
) -> None:
    _check_assignable(participant, case_manager)
    with transaction.atomic():
        assign_perm(ASSIGNED, case_manager, participant)
        _log_assignment(participant, None, case_manager, actor, client_address)


def participant_unassign(
    *,
    participant: Participant,
    case_manager: User,
    actor: User,
    client_address: str | None = None,
) -> None:
    """Takes effect on the assigned person's next request."""
    with transaction.atomic():
        remove_perm(ASSIGNED, case_manager, participant)
        _log_assignment(participant, case_manager, None, actor, client_address)


def participant_reassign(
    *,
    participant: Participant,
    from_case_manager: User,
    to_case_manager: User,
    actor: User,
    client_address: str | None = None,
) -> None:
    """Change case manager in one step: the new one is assigned and the old one is not,
    or neither happens (issue 17)."""
    if from_case_manager.pk == to_case_manager.pk:
        raise ValidationError(_("Choose two different case managers."))
    _check_assignable(participant, to_case_manager)
    with transaction.atomic():
        if from_case_manager not in assigned_case_managers(participant):
            raise ValidationError(_("That person is not assigned to the participant."))
        assign_perm(ASSIGNED, to_case_manager, participant)
        remove_perm(ASSIGNED, from_case_manager, participant)
        _log_assignment(participant, from_case_manager, to_case_manager, actor, client_address)


def caseload_transfer(
    *, from_user: User, to_user: User, actor: User, client_address: str | None = None
) -> int:
    """Move every participant assigned to ``from_user`` to ``to_user`` in one step."""
    if from_user.pk == to_user.pk:
        raise ValidationError(_("Choose two different case managers."))
    if from_user.organisation_id != actor.organisation_id:
        raise ValidationError(_("You can only move caseloads within your own organisation."))
    rows = ParticipantUserObjectPermission.objects.filter(
        user=from_user, permission__codename=ASSIGNED
    ).select_related("content_object")
    moved = 0
    with transaction.atomic():
        for row in rows.select_for_update(of=("self",)):
            participant = row.content_object
            _check_assignable(participant, to_user)
            assign_perm(ASSIGNED, to_user, participant)
            row.delete()
            _log_assignment(participant, from_user, to_user, actor, client_address)
            moved += 1
    return moved


def contact_log(
    *,
    participant: Participant,
    actor: User,
    date: date,
    kind: str = "",
    duration_minutes: int,
    counterpart: str = "",
    note: str = "",
    client_address: str | None = None,
) -> Contact:
    """Log an individual contact."""
    contact = Contact(
        participant=participant,
        created_by=actor,
        date=date,
        kind=kind,
        duration_minutes=duration_minutes,
        counterpart=counterpart,
        note=note,
    )
    case_data_create(
        participant=participant,
        obj=contact,
        actor=actor,
        client_address=client_address,
        what="contact",
    )
    return contact


def contact_correct(
    *,
    contact: Contact,
    actor: User,
    date: date | Unset = UNSET,
    kind: str | Unset = UNSET,
    duration_minutes: int | Unset = UNSET,
    counterpart: str | Unset = UNSET,
    note: str | Unset = UNSET,
    client_address: str | None = None,
) -> list[str]:
    """Correct a contact (the fields given); the earlier values stay in the change history."""
    values = given(
        date=date, kind=kind, duration_minutes=duration_minutes, counterpart=counterpart, note=note
    )
    return case_data_update(
        participant=contact.participant,
        obj=contact,
        allowed=CONTACT_FIELDS,
        values=values,
        actor=actor,
        client_address=client_address,
        detail=f"contact {contact.pk}: ",
    )


def activity_record_create(
    *,
    organisation: Organisation,
    actor: User,
    kind: str = "",
    date: date,
    duration_minutes: int,
    people_reached: int = 0,
    first_time_visitors: int = 0,
    programme: Programme | None = None,
    client_address: str | None = None,
) -> ActivityRecord:
    """Record an activity of ``programme`` (one the organisation takes part in; may be left
    out when it takes part in only one)."""
    programme = programme_for_intake(organisation=organisation, programme=programme)
    record = ActivityRecord(
        organisation=organisation,
        programme=programme,
        recorded_by=actor,
        kind=kind,
        date=date,
        duration_minutes=duration_minutes,
        people_reached=people_reached,
        first_time_visitors=first_time_visitors,
    )
    record.full_clean()
    with transaction.atomic():
        record.save(force_insert=True)
        access_log.record(
            action=Action.CREATE, actor=actor, client_address=client_address, obj=record
        )
    return record


def sharing_grant_create(
    *,
    participant: Participant,
    organisation: Organisation,
    consent_id: int,
    valid_from: date,
    valid_until: date | None,
) -> SharingGrant:
    """Called by the consent services: staff of ``organisation`` may now see the participant."""
    grant, _created = SharingGrant.objects.update_or_create(
        consent_id=consent_id,
        organisation=organisation,
        defaults={
            "participant": participant,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "revoked_at": None,
        },
    )
    return grant


def sharing_grants_revoke(*, consent_id: int) -> int:
    """Called by the consent services on withdrawal: access ends on the next request."""
    return SharingGrant.objects.filter(consent_id=consent_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- the intake's duplicate check --------------------------------------------------------

# The check tells whether an identity number is a participant here: an oracle, so each one
# is logged with what it matched, and a user gets this many an hour.
DUPLICATE_CHECKS_PER_HOUR = 20
DUPLICATE_CHECK_WINDOW = 3600  # seconds, counted from the user's first check in the window
DUPLICATE_MATCHES_LOGGED = 10


class TooManyDuplicateChecks(ValidationError):
    """The user has used up this hour's duplicate checks."""


def _count_duplicate_check(user: User) -> int:
    key = f"participants:duplicate-checks:{user.pk}"
    cache.add(key, 0, timeout=DUPLICATE_CHECK_WINDOW)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=DUPLICATE_CHECK_WINDOW)
        return 1


def duplicate_check(
    *,
    organisation: Organisation,
    actor: User,
    client_address: str | None = None,
    personal_identity_number: str = "",
    display_name: str = "",
    birth_year: int | None = None,
) -> bool:
    """Whether the intake's data matches a participant of the organisation.

    Logged with each participant it matched (or that it matched none), never with the number
    checked; past ``DUPLICATE_CHECKS_PER_HOUR`` checks an hour it raises
    ``TooManyDuplicateChecks`` (and logs that) instead of answering.
    """
    if _count_duplicate_check(actor) > DUPLICATE_CHECKS_PER_HOUR:
        access_log.record(
            action=Action.REFUSED,
            actor=actor,
            client_address=client_address,
            object_type="duplicate_check",
            detail="over the hourly limit",
        )
        raise TooManyDuplicateChecks(
            _(
                "You have checked many identity numbers in a short time, so no more "
                "checks are made for a while. Try again in an hour, or ask your team lead."
            )
        )
    matches = list(
        likely_duplicates(
            organisation=organisation,
            personal_identity_number=personal_identity_number,
            display_name=display_name,
            birth_year=birth_year,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: DUPLICATE_MATCHES_LOGGED + 1]
    )
    with transaction.atomic():
        for pk in matches[:DUPLICATE_MATCHES_LOGGED]:
            access_log.record(
                action=Action.DUPLICATE_CHECK,
                actor=actor,
                client_address=client_address,
                object_type="participant",
                object_id=pk,
                detail="matched at intake",
            )
        if not matches:
            access_log.record(
                action=Action.DUPLICATE_CHECK,
                actor=actor,
                client_address=client_address,
                object_type="duplicate_check",
                detail="no match",
            )
    return bool(matches)


def assignments_end_for_moved_staff(event: StaffMoved) -> list[Participant]:
    """A person moved to another organisation or role loses every assignment (security.md 29).

    Registered on ``cm_portal.events.on_staff_moved``; runs in the caller's transaction.
    The team leads of the organisation the person left are told which cases lost them.
    Returns the participants they were assigned to.
    """
    user = event.user
    rows = ParticipantUserObjectPermission.objects.filter(user=user).select_related(
        "content_object"
    )
    participants = {row.content_object.pk: row.content_object for row in rows}
    if not participants:
        return []
    with transaction.atomic():
        rows.delete()
        for participant in participants.values():
            _log_assignment(
                participant, user, None, event.changed_by, event.client_address, why=" (moved)"
            )
    lost = sorted(participants.values(), key=lambda participant: participant.reference)
    _tell_team_leads_of_lost_case_manager(event, lost)
    return lost


def _tell_team_leads_of_lost_case_manager(event: StaffMoved, lost: list[Participant]) -> None:
    team_leads = list(
        User.objects.filter(
            organisation_id=event.previous_organisation_id, role=Role.TEAM_LEAD, is_active=True
        )
        .exclude(pk=event.user.pk)
        .values_list("email", flat=True)
    )
    if not team_leads:
        return
    context = {
        "name": event.user.name,
        "references": [participant.reference for participant in lost],
        "link": f"{settings.SITE_URL}{reverse('participants:list')}",
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Cases that lost their case manager")
        body = render_to_string("participants/email/case_manager_moved.txt", context)
    send_mail(subject, body, None, team_leads)
