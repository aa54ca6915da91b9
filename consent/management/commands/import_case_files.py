import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consent.case_files import CaseFileInvalid, import_case_files

from ._operator import operator


class Command(BaseCommand):
    help = (
        "Import a case file (JSON, docs/case-file-format.md): every case or none. "
        "Exit status 1 with every error when the file is not valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            required=True,
            help="the staff account the import is recorded as",
        )

    def handle(self, *args, file, dry_run, as_email, **options):
        imported_by = operator(as_email)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from error
        except RecursionError as error:
            # json.loads recurses once a level: no case file nests this deep.
            raise CommandError(f"{file} is nested too deeply to be a case file.") from error
        try:
            result = import_case_files(data=data, actor=imported_by, dry_run=dry_run)
        except CaseFileInvalid as invalid:
            raise CommandError(
                f"{len(invalid.errors)} error(s), nothing was imported:\n" + str(invalid)
            ) from invalid
        records = ", ".join(f"{count} {name}" for name, count in result.records.items())
        if dry_run:
            self.stdout.write(
                f"Dry run: {result.cases} case(s) with {result.total_records} record(s) "
                f"({records}) are valid; nothing was written."
            )
        else:
            self.stdout.write(
                f"Imported {result.cases} case(s) with {result.total_records} record(s) "
                f"({records})."
            )
