from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from .load_demo import DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo accounts (DEMO_MODE only)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo codes exist only in DEMO_MODE (or DEBUG) installations.")
        self.stdout.write(f"{totp(bytes.fromhex(DEMO_TOTP_KEY_HEX)):06d}")
