from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cm_portal.models import Organisation
from cm_portal.services import organisation_create


class Command(BaseCommand):
    help = "Create an organisation that owns participant records."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="short name, e.g. hela-manniskan")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--kind", required=True, choices=[kind.value for kind in Organisation.Kind]
        )

    def handle(self, *args, slug: str, name: str, kind: str, **options):
        try:
            organisation = organisation_create(slug=slug, name=name, kind=kind)
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        self.stdout.write(f"Created organisation {organisation.slug}: {organisation.name}")


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
