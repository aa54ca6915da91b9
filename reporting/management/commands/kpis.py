"""``manage.py kpis --from YYYY-MM-DD --to YYYY-MM-DD --format json``: the figures of kpis.md.

Raw counts for operators; disclosure control applies to what the steering group sees.
"""

from __future__ import annotations

import json
import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cm_portal.models import Organisation
from reporting.kpis import compute_kpis

FORMATS = ["json"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: str, option: str) -> date:
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s '%(value)s' is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31.")
            % {"option": option, "value": value}
        ) from None


class Command(BaseCommand):
    help = "Print the result goals K1 to K5 and the activity figures for a period, as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="period_from", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="period_to", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--format", dest="output_format", default="json")
        parser.add_argument(
            "--organisation", metavar="SLUG", help="Only this organisation's records."
        )

    def handle(self, *args, **options) -> None:
        if options["output_format"] not in FORMATS:
            raise CommandError(
                _("--format '%(format)s' is not supported: use --format json.")
                % {"format": options["output_format"]}
            )
        period_from = _date(options["period_from"], "--from")
        period_to = _date(options["period_to"], "--to")
        if period_from > period_to:
            raise CommandError(
                _("--from %(from)s is after --to %(to)s: give the earlier date first.")
                % {"from": period_from.isoformat(), "to": period_to.isoformat()}
            )
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(
                    _("No organisation has the short name '%(slug)s'.")
                    % {"slug": options["organisation"]}
                )
        figures = compute_kpis(
            period_from=period_from, period_to=period_to, organisation=organisation
        )
        self.stdout.write(json.dumps(figures, indent=2, ensure_ascii=False))
