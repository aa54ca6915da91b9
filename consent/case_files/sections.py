"""Sections that higher apps add to the case file, without this app importing them.

Apps depend downwards (cm_portal ← participants ← consent ← plans), yet one case file
holds everything about a participant. So the participant, contacts and consents are this
package's own, and every other key of a case is a ``Section`` that its app registers in
its ``AppConfig.ready()``: the plans app registers ``plan``, ``prioritised_contacts``,
``crisis_plan``, ``self_ratings``, ``coordination_meetings`` and ``intern_sip_offers``.

A key that no installed app registers is exported empty and refused on import when it is
not empty, so a file is never half imported.

Writing a section:

- ``export(participant)`` returns the JSON value (dates as ``readers.iso``), with its
  keys in the order of ``docs/case-file-format.md``.
- ``read(case, raw)`` checks the shape only and returns the parsed values; it names each
  problem with ``case.error(path, message)`` (paths start with the section's key, e.g.
  ``plan.goals[0].title``). ``raw`` is the section's ``empty`` when the key is absent.
- ``write(case, participant, parsed, actor)`` runs after the participant, its
  contacts and its consents are written, calls the app's own services (the forms' rules),
  names their ``ValidationError`` with ``case.validation_error(path, error)``, and returns
  how many records it wrote. Each call runs inside a savepoint; the whole file is rolled
  back if any case has an error.
- A labeller (``register_labeller``) adds ``*_label`` keys to an exported case so the
  readable PDF shows words in the reader's language rather than codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cm_portal.models import User
from participants.models import Participant

from .readers import CaseErrors

# The keys of a case, in the order of the format (export writes them in this order).
CASE_KEYS = (
    "participant",
    "plan",
    "prioritised_contacts",
    "crisis_plan",
    "self_ratings",
    "contacts",
    "consents",
    "coordination_meetings",
    "intern_sip_offers",
)
# Keys other apps fill, with the value meaning "nothing".
EXTENSION_KEYS: dict[str, Any] = {
    "plan": None,
    "prioritised_contacts": [],
    "crisis_plan": None,
    "self_ratings": [],
    "coordination_meetings": [],
    "intern_sip_offers": [],
}


@dataclass(frozen=True)
class Section:
    key: str
    export: Callable[[Participant], Any]
    read: Callable[[CaseErrors, Any], Any]
    write: Callable[[CaseErrors, Participant, Any, User], int]

    @property
    def empty(self) -> Any:
        return EXTENSION_KEYS[self.key]


_sections: dict[str, Section] = {}
_labellers: list[Callable[[dict[str, Any]], None]] = []


def register(section: Section) -> None:
    """Add a section; registering the same key again replaces it (ready() may run twice)."""
    if section.key not in EXTENSION_KEYS:
        raise ValueError(f"{section.key!r} is not a key of the case-file format")
    _sections[section.key] = section


def registered() -> list[Section]:
    """The registered sections in the format's key order (also the order they are written)."""
    return [_sections[key] for key in CASE_KEYS if key in _sections]


def section_for(key: str) -> Section | None:
    return _sections.get(key)


def register_labeller(labeller: Callable[[dict[str, Any]], None]) -> None:
    if labeller not in _labellers:
        _labellers.append(labeller)


def add_labels(case: dict[str, Any]) -> None:
    """Let every registered labeller add its ``*_label`` keys to ``case`` (in place)."""
    for labeller in _labellers:
        labeller(case)


def write_each[T](
    case: CaseErrors,
    key: str,
    parsed: Sequence[T],
    write_one: Callable[[T], object],
    *,
    named: Callable[[ValidationError], ValidationError] = lambda error: error,
) -> int:
    """The ``write`` of a list section: ``write_one(values)`` for each record in its own
    savepoint; a refusal is named at ``key[position]`` (``named`` renames its fields to the
    format's). Returns how many were written."""
    written = 0
    for position, values in enumerate(parsed):
        try:
            with transaction.atomic():
                write_one(values)
        except ValidationError as error:
            case.validation_error(f"{key}[{position}]", named(error))
        else:
            written += 1
    return written
