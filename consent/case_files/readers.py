"""Reading a case file's JSON: typed readers, object schemas, and errors named by path.

Every section of the format (this app's and the plans app's) reads its part with these,
so that an error always reads ``cases[3] (HM-0004) plan.goals[0].title: must be a string``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Reader = Callable[[Any], Any]
# A schema maps a field name to (reader, default when omitted; REQUIRED if it may not be).
REQUIRED = object()
Schema = dict[str, tuple[Reader, Any]]


class CaseErrors:
    """Errors of one case, each prefixed with the case index and reference."""

    def __init__(self, index: int, reference: str | None, errors: list[str]):
        self.prefix = f"cases[{index}]" + (f" ({reference})" if reference else "")
        self.errors = errors
        self.count = 0

    def error(self, path: str, message: str) -> None:
        self.count += 1
        self.errors.append(f"{self.prefix} {path}: {message}")

    def validation_error(self, path: str, error: ValidationError) -> None:
        """A service's ValidationError, each message under ``path`` (and its field)."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                sub = path if name == NON_FIELD_ERRORS else f"{path}.{name}"
                for message in messages:
                    self.error(sub, message)
        else:
            for message in error.messages:
                self.error(path, message)


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(_("must be a string"))
    return value


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("must be a whole number"))
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("must be true or false"))
    return value


def iso_date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(_("must be a date written YYYY-MM-DD"))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("is not a valid date")) from None


def optional(reader: Reader) -> Reader:
    return lambda value: None if value is None else reader(value)


def choice(choices: type) -> Reader:
    def read(value: Any) -> str:
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise ValueError(
                _("unknown value %(value)r (one of: %(allowed)s)")
                % {"value": value, "allowed": allowed}
            )
        return value

    return read


def strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(_("must be a list of strings"))
    return value


def read_object(case: CaseErrors, path: str, value: Any, schema: Schema) -> dict[str, Any] | None:
    """The object's values read by ``schema``; None (with errors named) if any is wrong."""
    if not isinstance(value, dict):
        case.error(path, _("must be an object"))
        return None
    before = case.count
    values: dict[str, Any] = {}
    for name in sorted(value.keys() - schema.keys()):
        case.error(f"{path}.{name}", _("unknown field"))
    for name, (reader, default) in schema.items():
        if name not in value:
            if default is REQUIRED:
                case.error(f"{path}.{name}", _("is required"))
            else:
                values[name] = default
            continue
        try:
            values[name] = reader(value[name])
        except ValueError as error:
            case.error(f"{path}.{name}", str(error))
    return values if case.count == before else None


def read_object_partly(
    case: CaseErrors, path: str, value: Any, schema: Schema
) -> tuple[dict[str, Any], bool]:
    """Like ``read_object``, but also returns the fields that were right when others were not."""
    before = case.count
    values = read_object(case, path, value, schema)
    if values is not None:
        return values, True
    partial: dict[str, Any] = {}
    if isinstance(value, dict):
        for name, (reader, _default) in schema.items():
            try:
                partial[name] = reader(value[name])
            except (KeyError, ValueError):
                continue
    assert case.count > before  # noqa: S101
    return partial, False


def read_list(case: CaseErrors, path: str, value: Any) -> list:
    if not isinstance(value, list):
        case.error(path, _("must be a list"))
        return []
    return value


def read_objects(case: CaseErrors, path: str, value: Any, schema: Schema) -> list[dict | None]:
    """A list of objects, each read by ``schema`` (None where one is wrong)."""
    return [
        read_object(case, f"{path}[{position}]", item, schema)
        for position, item in enumerate(read_list(case, path, value))
    ]
