"""Break glass: switch an organisation back to password and TOTP from the server.

For a provider that is down or misconfigured while every administrator who could switch
it off logs in through it. Recorded in the access log like a change on the page.
"""

from django.core.management.base import BaseCommand, CommandError

from cm_portal import access_log
from cm_portal.models import AccessEvent
from cm_portal.oidc.models import IdentityProvider


class Command(BaseCommand):
    help = "Switch an organisation's staff back to password and TOTP login."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's short name (slug)")

    def handle(self, *args, organisation: str, **options):
        provider = IdentityProvider.objects.filter(organisation__slug=organisation).first()
        if provider is None:
            raise CommandError(f"{organisation!r} has no identity provider.")
        if provider.enabled:
            provider.enabled = False
            provider.save(update_fields=["enabled"])
            access_log.record(
                action=AccessEvent.Action.CHANGE, obj=provider, detail="enabled (manage.py)"
            )
        self.stdout.write(f"{organisation}: password and TOTP login.")
