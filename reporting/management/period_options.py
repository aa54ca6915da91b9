"""``--from`` and ``--to`` as the reporting commands (``kpis``, ``steering_report``) take them."""

from __future__ import annotations

import re
from datetime import date

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def add_period_arguments(parser: CommandParser) -> None:
    parser.add_argument("--from", dest="period_from", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="period_to", required=True, metavar="YYYY-MM-DD")


def _date(value: str, option: str) -> date:
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s '%(value)s' is not a date: write it as YYYY-MM-DD, e.g. 2031-03-31.")
            % {"option": option, "value": value}
        ) from None


def period_from_options(options: dict) -> tuple[date, date]:
    """The period's first and last day; ``CommandError`` with a clear message if wrong."""
    period_from = _date(options["period_from"], "--from")
    period_to = _date(options["period_to"], "--to")
    if period_from > period_to:
        raise CommandError(
            _("--from %(from)s is after --to %(to)s: give the earlier date first.")
            % {"from": period_from.isoformat(), "to": period_to.isoformat()}
        )
    return period_from, period_to
