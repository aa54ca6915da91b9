from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cm_portal.models import Organisation
from consent.case_files import dumps, export_cases, participants_for_export

from ._operator import operator


class Command(BaseCommand):
    help = (
        "Print participants as a case file (JSON, docs/case-file-format.md). "
        "With --as the export is recorded in the access log, one event per case."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="slug of the organisation")
        parser.add_argument("--reference", help="the participant's reference")
        parser.add_argument(
            "--as", dest="as_email", metavar="EMAIL", help="the staff account exporting"
        )

    def handle(self, *args, organisation, reference, as_email, **options):
        org = None
        if organisation is not None:
            org = Organisation.objects.filter(slug=organisation).first()
            if org is None:
                raise CommandError(f"Unknown organisation '{organisation}'.")
        exported_by = operator(as_email) if as_email else None
        with transaction.atomic():
            data = export_cases(
                participants_for_export(organisation=org, reference=reference),
                actor=exported_by,
            )
        self.stdout.write(dumps(data), ending="")
