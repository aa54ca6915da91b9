"""The ``crisis_plan`` part of a case (``null`` when the participant has none)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cm_portal.models import User
from consent.case_files.readers import (
    REQUIRED,
    CaseErrors,
    Schema,
    integer,
    iso,
    iso_date,
    optional,
    read_object,
    read_objects,
    text,
)
from consent.case_files.sections import Section
from participants.models import Participant

from ..selectors.crisis_plan import crisis_plan_content, crisis_plan_of
from ..services.crisis_plan import crisis_plan_import

KEY = "crisis_plan"
CHAIN = "responsibility_chain"

SCHEMA: Schema = {
    "established_on": (optional(iso_date), None),
    "warning_signs": (text, ""),
    "own_strategies": (text, ""),
    "people_to_contact": (text, ""),
    "professional_contacts": (text, ""),
    CHAIN: (lambda value: value, []),  # read below, link by link
}
LINK_SCHEMA: Schema = {
    "order": (optional(integer), None),
    "who": (text, REQUIRED),
    "how_to_reach": (text, REQUIRED),
    "when": (text, ""),
}


def export(participant: Participant) -> dict[str, Any] | None:
    plan = crisis_plan_of(participant)
    return crisis_plan_content(plan) if plan is not None else None


def read(case: CaseErrors, raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    before = case.count
    values = read_object(case, KEY, raw, SCHEMA)
    chain_raw = raw.get(CHAIN, []) if isinstance(raw, dict) else []
    chain = read_objects(case, f"{KEY}.{CHAIN}", chain_raw, LINK_SCHEMA)
    if values is None or case.count != before:
        return None
    values[CHAIN] = chain
    return values


def _named(error: ValidationError) -> ValidationError:
    """The service's field names as the format's: ``chain`` is ``responsibility_chain``."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {CHAIN if name == "chain" else name: errors for name, errors in error.error_dict.items()}
    )


def write(
    case: CaseErrors, participant: Participant, parsed: dict[str, Any] | None, actor: User
) -> int:
    if parsed is None:
        return 0
    content = {**parsed, "established_on": iso(parsed["established_on"])}
    try:
        with transaction.atomic():
            crisis_plan_import(participant=participant, content=content, actor=actor)
    except ValidationError as error:
        case.validation_error(KEY, _named(error))
        return 0
    return 1  # one crisis plan, as the plan section counts one plan


SECTIONS: list[Section] = [Section(key=KEY, export=export, read=read, write=write)]
