from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cm_portal.management.commands.create_organisation import _messages
from consent.management.commands._operator import operator
from reporting.research.models import ExportFormat, ResearchAgreement
from reporting.research.services import AgreementNotValid, research_export_write


class Command(BaseCommand):
    help = (
        "Write the research export of an agreement (pseudonymised, k-anonymous) to FILE and "
        "its codebook to FILE.codebook.csv. Logged in the access log as a download is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agreement", required=True, type=int, metavar="ID")
        parser.add_argument("--format", required=True, choices=ExportFormat.values)
        parser.add_argument("--output", required=True, type=Path, metavar="FILE")
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="the staff account the export is logged as (default: none, the command)",
        )

    def handle(self, *args, agreement, format, output, as_email, **options):
        actor = operator(as_email) if as_email else None
        found = ResearchAgreement.objects.filter(pk=agreement).first()
        if found is None:
            raise CommandError(f"No data-sharing agreement {agreement}: no export.")
        try:
            written = research_export_write(agreement=found, file_format=format, actor=actor)
        except AgreementNotValid as error:
            raise CommandError(
                f"The data-sharing agreement {agreement} expired on "
                f"{found.expires_on.isoformat()}: no export."
            ) from error
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        codebook = output.with_name(output.name + ".codebook.csv")
        try:
            output.write_bytes(written.data)
            codebook.write_bytes(written.codebook)
        except OSError as error:
            raise CommandError(f"Cannot write {error.filename}: {error.strerror}") from error
        result = written.result
        self.stdout.write(
            f"Wrote {len(result.rows)} row(s) to {output} and the codebook to {codebook} "
            f"(k = {result.k}; {result.generalised} generalised, {result.dropped} dropped)."
        )
