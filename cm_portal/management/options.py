"""What the management commands' options share: a date, an output format, a row named by
its short name. Each refuses a wrong value with a ``CommandError`` that says what to give."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.management.base import CommandError
from django.db.models import Model
from django.utils.translation import gettext as _

from cm_portal.dates import iso_date_or_none


def option_date(value: str, option: str) -> date:
    """``option``'s value (``--from``, ``--start``, ...) as a date written YYYY-MM-DD."""
    day = iso_date_or_none(value)
    if day is None:
        raise CommandError(
            _("%(option)s '%(value)s' is not a date: write it as YYYY-MM-DD, e.g. 2031-03-31.")
            % {"option": option, "value": value}
        )
    return day


def output_format(value: str, formats: Sequence[str], unsupported: str) -> str:
    """``--format``'s value if it is one of ``formats``; ``unsupported`` names the ones there
    are and ``%(format)s`` the one given."""
    if value not in formats:
        raise CommandError(unsupported % {"format": value})
    return value


def by_slug[M: Model](model: type[M], slug: str, missing: str) -> M:
    """The ``model`` row with the short name ``slug``; ``missing`` says none has it
    (``%(slug)s``)."""
    found = model._default_manager.filter(slug=slug).first()
    if found is None:
        raise CommandError(missing % {"slug": slug})
    return found
