"""``manage.py kpis --from YYYY-MM-DD --to YYYY-MM-DD [--programme SLUG] --format json``: the
figures of docs/kpis.md for one programme.

Without ``--programme`` the installation's only programme is meant (an installation with
several asks for it), and the JSON is exactly that of docs/kpis.md; with it, the JSON also
names the programme and the goal definitions it used. Raw counts for operators; disclosure
control applies to what the steering and project groups see.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cm_portal.management.options import by_slug, output_format
from cm_portal.models import Organisation
from cm_portal.programmes.models import Programme
from reporting.kpis import compute_kpis, goal_definitions
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
        parser.add_argument(
            "--programme",
            metavar="SLUG",
            help="The programme (needed when the installation has more than one).",
        )

    def handle(self, *args, **options) -> None:
        output_format(
            options["output_format"],
            FORMATS,
            _("--format '%(format)s' is not supported: use --format json."),
        )
        period_from, period_to = period_from_options(options)
        organisation = None
        if options["organisation"]:
            organisation = by_slug(
                Organisation,
                options["organisation"],
                _("No organisation has the short name '%(slug)s'."),
            )
        programme = _programme(options["programme"])
        figures = compute_kpis(
            period_from=period_from,
            period_to=period_to,
            programme=programme,
            organisation=organisation,
        )
        if options["programme"]:
            figures = {
                "programme": {
                    "slug": programme.slug,
                    "name": programme.name,
                    "start": programme.start.isoformat(),
                    "end": programme.end.isoformat(),
                    "goals": goal_definitions(programme),
                },
                **figures,
            }
        self.stdout.write(json.dumps(figures, indent=2, ensure_ascii=False))


def _programme(slug: str | None) -> Programme:
    if slug:
        return by_slug(Programme, slug, _("No programme has the short name '%(slug)s'."))
    programmes = list(Programme.objects.order_by("slug"))
    if len(programmes) != 1:
        raise CommandError(
            _("Name the programme with --programme SLUG: the installation has %(slugs)s.")
            % {"slugs": ", ".join(p.slug for p in programmes) or _("none")}
        )
    return programmes[0]
