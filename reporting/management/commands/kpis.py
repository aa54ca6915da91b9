"""``manage.py kpis --from YYYY-MM-DD --to YYYY-MM-DD --format json``: the figures of docs/kpis.md.

Raw counts for operators; disclosure control applies to what the steering group sees.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cm_portal.models import Organisation
from reporting.kpis import compute_kpis
from reporting.management.period_options import add_period_arguments, period_from_options

FORMATS = ["json"]


class Command(BaseCommand):
    help = "Print the result goals K1 to K5 and the activity figures for a period, as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        add_period_arguments(parser)
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
        period_from, period_to = period_from_options(options)
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
