"""``manage.py intern_sip_statistics --from YYYY-MM-DD --to YYYY-MM-DD --format csv|json
[--programme SLUG]``: the Intern-SIP statistics file, one row per month, gender and age
group, as raw counts for operators (like ``kpis``; disclosure control applies to what the
steering group sees).

Without ``--programme`` the figures cover the whole installation (the KPIs' age groups);
with one, its participants and its age groups.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from cm_portal.management.options import by_slug, output_format
from cm_portal.programmes.models import Programme
from reporting import intern_sip
from reporting.management.period_options import add_period_arguments, period_from_options

FORMATS = ("csv", "json")


class Command(BaseCommand):
    help = "Print the Intern-SIP statistics per month, gender and age group (raw counts)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_period_arguments(parser)
        parser.add_argument("--format", dest="output_format", default="json")
        parser.add_argument("--programme", metavar="SLUG", help="Only this programme.")

    def handle(self, *args, **options) -> None:
        output_format(
            options["output_format"],
            FORMATS,
            _("--format '%(format)s' is not supported: use --format csv or --format json."),
        )
        date_from, date_to = period_from_options(options)
        programme = None
        if options["programme"]:
            programme = by_slug(
                Programme, options["programme"], _("No programme has the short name '%(slug)s'.")
            )
        rows = [
            row.as_dict()
            for row in intern_sip.monthly(date_from=date_from, date_to=date_to, programme=programme)
        ]
        if options["output_format"] == "csv":
            self.stdout.write(intern_sip.as_csv(rows).decode("utf-8-sig"), ending="")
        else:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
