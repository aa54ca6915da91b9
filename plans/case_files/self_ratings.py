"""The ``self_ratings`` part of a case: the format's keys, then ``source`` (who entered
it: ``staff`` or ``participant`` through their link) so that an export holds all of it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cm_portal.models import User
from consent.case_files.readers import (
    REQUIRED,
    CaseErrors,
    Schema,
    choice,
    integer,
    iso_date,
    read_objects,
)
from consent.case_files.sections import Section, write_each
from participants.models import Participant

from ..models import RatingPhase, RatingSource
from ..selectors.self_ratings import ratings_of, self_rating_content
from ..services.self_ratings import self_rating_import

KEY = "self_ratings"


def _integers(value: Any) -> list[int]:
    if not isinstance(value, list):
        raise ValueError(_("must be a list of three whole numbers"))
    return [integer(item) for item in value]


SCHEMA: Schema = {
    "phase": (choice(RatingPhase), REQUIRED),
    "rated_on": (iso_date, REQUIRED),
    "ucla": (_integers, REQUIRED),
    "participation": (integer, REQUIRED),
    "source": (choice(RatingSource), RatingSource.STAFF),
}


def export(participant: Participant) -> list[dict[str, Any]]:
    return [
        {**self_rating_content(rating), "source": rating.source}
        for rating in ratings_of(participant)
    ]


def read(case: CaseErrors, raw: Any) -> list[dict[str, Any] | None]:
    return read_objects(case, KEY, raw, SCHEMA)


def _named(error: ValidationError) -> ValidationError:
    """The model's ``ucla_1`` .. ``ucla_3`` are the format's ``ucla[0]`` .. ``ucla[2]``."""
    if not hasattr(error, "error_dict"):
        return error
    names = {f"ucla_{number}": f"ucla[{number - 1}]" for number in (1, 2, 3)}
    return ValidationError(
        {names.get(name, name): errors for name, errors in error.error_dict.items()}
    )


def write(
    case: CaseErrors, participant: Participant, parsed: list[dict[str, Any]], actor: User
) -> int:
    return write_each(
        case,
        KEY,
        parsed,
        lambda values: self_rating_import(participant=participant, content=values, actor=actor),
        named=_named,
    )


SECTIONS: list[Section] = [Section(key=KEY, export=export, read=read, write=write)]
