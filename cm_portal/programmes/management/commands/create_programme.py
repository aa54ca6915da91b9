"""``manage.py create_programme --slug SLUG --name NAME --start YYYY-MM-DD --end YYYY-MM-DD
--organisations SLUG[,SLUG...] [--age-min N --age-max N]``: a programme, from a script.

Bad input is refused with a message and a non-zero exit, like ``create_organisation``. The
goals are added with ``programme_goal``; phases, members and the rest on the
administrators' pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cm_portal.management.commands.create_organisation import _messages
from cm_portal.management.options import option_date
from cm_portal.models import Organisation
from cm_portal.programmes.services import programme_create


class Command(BaseCommand):
    help = "Create a programme with the organisations that take part in it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="short name, e.g. next-district")
        parser.add_argument("--name", required=True)
        parser.add_argument("--start", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="included")
        parser.add_argument(
            "--organisations", required=True, metavar="SLUG[,SLUG...]", help="comma-separated"
        )
        parser.add_argument("--age-min", type=int, metavar="N")
        parser.add_argument("--age-max", type=int, metavar="N")

    def handle(self, *args, **options) -> None:
        start = option_date(options["start"], "--start")
        end = option_date(options["end"], "--end")
        slugs = [slug.strip() for slug in options["organisations"].split(",") if slug.strip()]
        organisations = list(Organisation.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {o.slug for o in organisations})
        if unknown or not slugs:
            known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(
                f"Unknown organisation {', '.join(unknown) or '(none given)'} (known: {known})."
            )
        age_min, age_max = options["age_min"], options["age_max"]
        if (age_min is None) != (age_max is None):
            raise CommandError("Give both --age-min and --age-max, or neither.")
        for option, value in (("--age-min", age_min), ("--age-max", age_max)):
            if value is not None and not 0 <= value <= 130:
                raise CommandError(f"{option} must be an age from 0 to 130, not {value}.")
        try:
            programme = programme_create(
                slug=options["slug"],
                name=options["name"],
                start=start,
                end=end,
                organisations=organisations,
                age_min=age_min,
                age_max=age_max,
            )
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        self.stdout.write(
            f"Created programme {programme.slug}: {programme.name} "
            f"({programme.start.isoformat()} to {programme.end.isoformat()}, "
            f"{', '.join(o.slug for o in organisations)})"
        )
