"""Every write to the crisis and safety plan: save, establish and the case-file import.

Saves are optimistically locked with the plan's ``version`` (``plans.services.versioning``):
a form loaded before someone else saved is refused with ``PlanConflict`` and the first
edit is kept. A participant without a crisis plan is at version 0.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cm_portal.fields import max_length
from cm_portal.models import AccessEvent, User
from participants.events import case_changed
from participants.models import Participant
from plans.models import CrisisPlan, PlanRevision, ResponsibilityLink
from plans.selectors.crisis_plan import crisis_plan_content
from plans.services.versioning import (
    established_on_check,
    plan_change_log,
    plan_locked,
    plan_version_save,
)

Action = AccessEvent.Action
TEXT_FIELDS = ("warning_signs", "own_strategies", "people_to_contact", "professional_contacts")
LINK_FIELDS = ("who", "how_to_reach", "when")


def _ordered_chain(chain: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The links sorted by the order given (links without one last), checked."""
    indexed = list(enumerate(chain))
    indexed.sort(
        key=lambda item: (item[1].get("order") is None, item[1].get("order") or 0, item[0])
    )
    links = []
    for position, (_index, raw) in enumerate(indexed, start=1):
        link = {field: str(raw.get(field) or "").strip() for field in LINK_FIELDS}
        missing = [field for field in ("who", "how_to_reach") if not link[field]]
        if missing:
            raise ValidationError(
                {
                    "chain": _(
                        "Link %(number)s of the chain of responsibility needs both who acts "
                        "and how to reach them: fill them in or remove the link."
                    )
                    % {"number": position}
                }
            )
        for field in LINK_FIELDS:
            if len(link[field]) > max_length(ResponsibilityLink, field):
                raise ValidationError(
                    {
                        "chain": _(
                            "Link %(number)s of the chain of responsibility is too long: "
                            "keep each field under 200 characters."
                        )
                        % {"number": position}
                    }
                )
        links.append(link)
    return links


def _check_established_on(participant: Participant, established_on: date | None) -> None:
    established_on_check(
        participant,
        established_on,
        missing=None,
        in_future=_(
            "The date the plan was established cannot be in the future: "
            "give today's date or an earlier one."
        ),
        before_start=_(
            "The plan cannot be established before the intervention started "
            "(%(start)s): give a later date."
        ),
    )


def _no_chain_error() -> ValidationError:
    return ValidationError(
        {
            "chain": _(
                "An established crisis plan needs at least one link in the chain of "
                "responsibility: add who acts first and how to reach them."
            )
        }
    )


def _write(
    *,
    plan: CrisisPlan,
    participant: Participant,
    values: dict[str, Any],
    chain: list[dict[str, Any]],
    actor: User | None,
    action: str,
) -> CrisisPlan:
    unknown = set(values) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"crisis plan has no fields {sorted(unknown)}")
    links = _ordered_chain(chain)
    if plan.is_established and not links:
        raise _no_chain_error()
    for field in TEXT_FIELDS:
        if field in values:
            setattr(plan, field, (values[field] or "").strip())
    plan.full_clean(exclude=["participant", "updated_by"])
    plan.save()
    plan.chain.all().delete()
    ResponsibilityLink.objects.bulk_create(
        ResponsibilityLink(crisis_plan=plan, order=number, **link)
        for number, link in enumerate(links, start=1)
    )
    _version_save(plan, participant, action=action, actor=actor)
    return plan


def crisis_plan_save(
    *,
    participant: Participant,
    values: dict[str, Any],
    chain: list[dict[str, Any]],
    expected_version: int,
    actor: User,
    client_address: str | None = None,
) -> CrisisPlan:
    """Save the four texts and the chain (renumbered 1..n in the order given)."""
    with transaction.atomic():
        plan = plan_locked(CrisisPlan, participant, expected_version=expected_version, actor=actor)
        plan = _write(
            plan=plan,
            participant=participant,
            values=values,
            chain=chain,
            actor=actor,
            action="saved",
        )
        _changed(
            plan, participant, actor=actor, client_address=client_address, detail="crisis plan"
        )
    return plan


def crisis_plan_establish(
    *,
    participant: Participant,
    established_on: date,
    expected_version: int,
    actor: User,
    client_address: str | None = None,
) -> CrisisPlan:
    """Set the date the plan was agreed with the participant; needs a chain link."""
    with transaction.atomic():
        plan = plan_locked(CrisisPlan, participant, expected_version=expected_version, actor=actor)
        if not plan.chain.exists():
            raise _no_chain_error()
        _check_established_on(participant, established_on)
        plan.established_on = established_on
        plan.save(update_fields=["established_on"])
        _version_save(plan, participant, action="established", actor=actor)
        _changed(
            plan,
            participant,
            actor=actor,
            client_address=client_address,
            detail="crisis plan established",
        )
    return plan


def _version_save(
    plan: CrisisPlan, participant: Participant, *, action: str, actor: User | None
) -> None:
    plan_version_save(
        plan,
        participant=participant,
        kind=PlanRevision.Kind.CRISIS_PLAN,
        content=lambda: crisis_plan_content(plan),
        action=action,
        actor=actor,
    )


def _changed(
    plan: CrisisPlan,
    participant: Participant,
    *,
    actor: User,
    client_address: str | None,
    detail: str,
) -> None:
    plan_change_log(
        plan,
        participant,
        action=Action.CHANGE,
        actor=actor,
        client_address=client_address,
        detail=detail,
    )


def crisis_plan_import(
    *, participant: Participant, content: dict[str, Any], actor: User | None
) -> CrisisPlan:
    """Write a case file's ``crisis_plan`` (the case-file shape) under the same rules."""
    established_on = content.get("established_on")
    if isinstance(established_on, str):
        established_on = date.fromisoformat(established_on)
    chain = list(content.get("responsibility_chain") or [])
    with transaction.atomic():
        plan = plan_locked(CrisisPlan, participant, expected_version=0, actor=actor)
        _check_established_on(participant, established_on)
        if established_on is not None and not chain:
            raise _no_chain_error()
        plan.established_on = established_on
        _write(
            plan=plan,
            participant=participant,
            values={field: content.get(field) or "" for field in TEXT_FIELDS},
            chain=chain,
            actor=actor,
            action="imported",
        )
        case_changed(participant.pk)
    return plan
