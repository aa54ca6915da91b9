"""``manage.py steering_report --from YYYY-MM-DD --to YYYY-MM-DD --output FILE.pdf``: the
steering group's PDF, rendered here and now (for operators; nothing is stored or queued)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from reporting import services
from reporting.management.commands.kpis import _programme
from reporting.management.period_options import add_period_arguments, period_from_options
from reporting.models import ReportKind, SteeringReport


class Command(BaseCommand):
    help = "Render the steering group's PDF report for a period into a file."

    def add_arguments(self, parser: CommandParser) -> None:
        add_period_arguments(parser)
        parser.add_argument("--output", required=True, metavar="FILE.pdf")
        parser.add_argument(
            "--kind",
            default=ReportKind.CUSTOM.value,
            help="quarterly, annual, final or custom (the default).",
        )
        parser.add_argument(
            "--programme",
            metavar="SLUG",
            help="The programme (needed when the installation has more than one).",
        )

    def handle(self, *args, **options) -> None:
        kinds = [kind.value for kind in ReportKind]
        if options["kind"] not in kinds:
            raise CommandError(
                _("--kind '%(kind)s' is not known: use one of %(kinds)s.")
                % {"kind": options["kind"], "kinds": ", ".join(kinds)}
            )
        period_from, period_to = period_from_options(options)
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(
                _("The folder %(folder)s does not exist: create it or choose another --output.")
                % {"folder": str(output.parent)}
            )
        # Not saved: the same content as a stored report, written straight to the file.
        report = SteeringReport(
            programme=_programme(options["programme"]),
            kind=options["kind"],
            period_start=period_from,
            period_end=period_to,
        )
        content = services.steering_report_pdf(report)
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(
                _("Could not write %(file)s: %(error)s") % {"file": str(output), "error": error}
            ) from None
        self.stdout.write(
            _("Wrote %(file)s (%(size)d bytes).") % {"file": str(output), "size": len(content)}
        )
