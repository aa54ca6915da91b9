"""Optimistic locking and revision history, shared by the individual and the crisis plan.

A form carries the ``version`` it was loaded with. Saving locks the row, compares, and
refuses with ``PlanConflict`` when someone saved in between: the first edit survives and
the second person is told to reload (security.md 27). Every accepted save bumps the
version and keeps a snapshot of the whole plan as a ``PlanRevision``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal.models import User
from participants.models import Participant
from participants.services import case_write_record
from plans.models import CrisisPlan, IndividualPlan, PlanRevision, VersionedPlan


class PlanConflict(ValidationError):
    """Someone else saved the plan after this form was loaded."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved this plan while you were editing it. Your changes were "
                "not saved: open the plan again to see theirs, then make your change."
            ),
            code="conflict",
        )


class _Versioned(Protocol):
    version: int


def lock_version[M: models.Model](
    model: type[M],
    pk: int,
    *,
    expected_version: int,
    conflict: Callable[[], ValidationError] = PlanConflict,
) -> M:
    """The row locked for this transaction; ``conflict`` (``PlanConflict`` for a plan)
    unless it is still at ``expected_version``. Any model with a ``version`` counter uses
    it (the closing documents' sections too). Call inside ``transaction.atomic``."""
    obj = model._default_manager.select_for_update().get(pk=pk)
    if cast(_Versioned, obj).version != expected_version:
        raise conflict()
    return obj


def plan_locked[M: (IndividualPlan, CrisisPlan)](
    model: type[M], participant: Participant, *, expected_version: int, actor: User | None = None
) -> M:
    """The participant's plan of ``model``, created at version 0 on first save, locked at
    the version the form was loaded with (0: none yet). Call inside ``transaction.atomic``."""
    # Lock the participant first so that two first saves never create two plans.
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    # By id: an instance would cache this (soon stale) plan on ``participant``.
    plan, _created = model._default_manager.get_or_create(
        participant_id=participant.pk, defaults={"version": 0, "updated_by": actor}
    )
    return lock_version(model, plan.pk, expected_version=expected_version)


def established_on_check(
    participant: Participant,
    established_on: date | None,
    *,
    missing: str | None,
    in_future: str,
    before_start: str,
) -> None:
    """Refuse an establishment date in the future or before the intervention started, and
    no date at all when ``missing`` says what to tell. The messages are each plan's own
    (``before_start`` names the start as ``%(start)s``)."""
    if established_on is None:
        if missing is not None:
            raise ValidationError({"established_on": missing})
        return
    if established_on > timezone.localdate():
        raise ValidationError({"established_on": in_future})
    if established_on < participant.intervention_start:
        raise ValidationError(
            {"established_on": before_start % {"start": participant.intervention_start.isoformat()}}
        )


def plan_version_save(
    plan: VersionedPlan,
    *,
    participant: Participant,
    kind: str,
    content: Callable[[], dict[str, Any]],
    action: str,
    actor: User | None,
) -> PlanRevision:
    """Mark ``plan`` (a plan or crisis plan) as saved once more by ``actor`` and keep it as
    it now stands (``content``, read after the bump, in its case-file shape) as a revision:
    every accepted save of a plan ends here."""
    plan.version += 1
    plan.updated_at = timezone.now()
    plan.updated_by = actor
    plan.save(update_fields=["version", "updated_at", "updated_by"])
    return PlanRevision.objects.create(
        participant_id=participant.pk,
        kind=kind,
        version=plan.version,
        content=content(),
        action=action,
        saved_by=actor,
    )


def plan_change_log(
    plan: VersionedPlan,
    participant: Participant,
    *,
    action: str,
    actor: User | None,
    client_address: str | None,
    detail: str,
) -> None:
    """Log a saved plan on the participant and have the deadlines recomputed. The plan's
    content, old and new, is in its revisions: the entry names the new version."""
    case_write_record(
        participant,
        action=action,
        actor=actor,
        client_address=client_address,
        detail=detail,
        data={"plan_version": plan.version},
    )
