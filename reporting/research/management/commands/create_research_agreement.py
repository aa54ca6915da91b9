from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cm_portal.management.commands.create_organisation import _messages
from cm_portal.models import User
from cm_portal.programmes.models import Programme
from reporting.research.anonymity import DEFAULT_K, MIN_K
from reporting.research.services import research_agreement_create


class Command(BaseCommand):
    help = (
        "Record a data-sharing agreement with a research institution and print its id. "
        "The named researchers must be active accounts with the researcher role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--programme", required=True, metavar="SLUG", help="the programme's short name"
        )
        parser.add_argument("--institution", required=True, help="the research institution")
        parser.add_argument(
            "--researchers",
            required=True,
            metavar="EMAIL[,EMAIL...]",
            help="e-mail addresses of the named researchers, comma-separated",
        )
        parser.add_argument(
            "--approval", required=True, help="the ethical review's approval reference"
        )
        parser.add_argument("--expires", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--k", type=int, default=DEFAULT_K, help=f"at least {MIN_K}")
        parser.add_argument(
            "--purpose", default="", help="the purpose (default: follow-up research)"
        )

    def handle(
        self, *args, programme, institution, researchers, approval, expires, k, purpose, **options
    ):
        found = Programme.objects.filter(slug=programme.strip()).first()
        if found is None:
            known = ", ".join(Programme.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"Unknown programme {programme!r} (known: {known}).")
        try:
            expires_on = date.fromisoformat(expires)
        except ValueError as error:
            raise CommandError(f"--expires {expires!r} is not a date (YYYY-MM-DD).") from error
        if k < MIN_K:
            raise CommandError(f"--k must be at least {MIN_K}.")
        emails = [email.strip().lower() for email in researchers.split(",") if email.strip()]
        if not emails:
            raise CommandError("--researchers names no e-mail address.")
        accounts = {user.email: user for user in User.objects.filter(email__in=emails)}
        unknown = [email for email in emails if email not in accounts]
        if unknown:
            raise CommandError(f"No staff account with the e-mail {', '.join(unknown)}.")
        try:
            with transaction.atomic():
                agreement = research_agreement_create(
                    programme=found,
                    institution=institution,
                    researchers=[accounts[email] for email in emails],
                    purpose=purpose or f"Follow-up research on {found.name} ({institution})",
                    approval_reference=approval,
                    expires_on=expires_on,
                    k=k,
                    actor=None,
                )
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        self.stdout.write(str(agreement.pk))
