"""``--from`` and ``--to`` as the reporting commands (``kpis``, ``steering_report``) take them."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from cm_portal.management.options import option_date


def add_period_arguments(parser: CommandParser) -> None:
    parser.add_argument("--from", dest="period_from", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="period_to", required=True, metavar="YYYY-MM-DD")


def period_from_options(options: dict) -> tuple[date, date]:
    """The period's first and last day; ``CommandError`` with a clear message if wrong."""
    period_from = option_date(options["period_from"], "--from")
    period_to = option_date(options["period_to"], "--to")
    if period_from > period_to:
        raise CommandError(
            _("--from %(from)s is after --to %(to)s: give the earlier date first.")
            % {"from": period_from.isoformat(), "to": period_to.isoformat()}
        )
    return period_from, period_to
