from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cm_portal.models import Organisation, Role
from cm_portal.services import staff_create

from .create_organisation import _messages


class Command(BaseCommand):
    help = (
        "Create a staff account. Without --password-file the account has no password "
        "until someone sends it a set-password link."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--organisation", required=True, help="slug of the organisation")
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])
        parser.add_argument(
            "--password-file",
            type=Path,
            help="a file whose first line is the password (never pass it on the command line)",
        )

    def handle(self, *args, email, name, organisation, role, password_file, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"Unknown organisation '{organisation}' (known: {known}).")
        password = None
        if password_file is not None:
            try:
                password = password_file.read_text(encoding="utf-8").splitlines()[0]
            except (OSError, IndexError) as error:
                raise CommandError(f"Cannot read a password from {password_file}.") from error
        try:
            with transaction.atomic():
                user = staff_create(
                    email=email, name=name, organisation=org, role=role, password=password
                )
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        self.stdout.write(f"Created {user.get_role_display()} {user.email} in {org.slug}")
