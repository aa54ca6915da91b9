"""Demo organisations and one account per role, with a known second factor.

Only where DEMO_MODE is on (it follows DEBUG): a production installation refuses.
"""

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from cm_portal.models import Organisation, Role, User
from cm_portal.services import organisation_create, staff_create

DEMO_PASSWORD = "demo-losenord-2026"  # noqa: S105 - printed for the demo on purpose
# One shared, published TOTP key: the demo's second factor is no secret.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"

ORGANISATIONS = [
    ("district", "Hägersten-Älvsjö stadsdelsförvaltning", Organisation.Kind.PUBLIC_AUTHORITY),
    ("hela-manniskan", "Hela Människan StorStockholm", Organisation.Kind.CIVIL_SOCIETY),
    # The Intern-SIP pilot's district (seed 004); programmes.demo makes the two programmes.
    ("skarholmen", "Skärholmens stadsdelsförvaltning", Organisation.Kind.PUBLIC_AUTHORITY),
]
ACCOUNTS = [
    ("anna.lind@hela-manniskan.example", "Anna Lind", "hela-manniskan", Role.CASE_MANAGER),
    ("omar.haddad@district.example", "Omar Haddad", "district", Role.CASE_MANAGER),
    ("karin.berg@hela-manniskan.example", "Karin Berg", "hela-manniskan", Role.TEAM_LEAD),
    ("per.strom@district.example", "Per Ström", "district", Role.STEERING_GROUP),
    ("sara.ek@district.example", "Sara Ek", "district", Role.ADMINISTRATOR),
    ("jonas.falk@hela-manniskan.example", "Jonas Falk", "hela-manniskan", Role.PROJECT_GROUP),
    ("lina.nord@skarholmen.example", "Lina Nord", "skarholmen", Role.CASE_MANAGER),
    ("maja.holm@skarholmen.example", "Maja Holm", "skarholmen", Role.PROJECT_GROUP),
]


def demo_totp_secret() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()


class Command(BaseCommand):
    help = "Create the demo organisations and accounts (DEMO_MODE only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when any organisation exists already",
        )

    def handle(self, *args, if_empty: bool, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only for DEMO_MODE (or DEBUG) installations.")
        if if_empty and Organisation.objects.exists():
            self.stdout.write("Demo data: the database has data already, nothing loaded.")
            return
        with transaction.atomic():
            organisations = {
                slug: Organisation.objects.filter(slug=slug).first()
                or organisation_create(slug=slug, name=name, kind=kind)
                for slug, name, kind in ORGANISATIONS
            }
            for email, name, slug, role in ACCOUNTS:
                user = User.objects.filter(email=email).first() or staff_create(
                    email=email,
                    name=name,
                    organisation=organisations[slug],
                    role=role,
                    password=DEMO_PASSWORD,
                )
                TOTPDevice.objects.get_or_create(
                    user=user,
                    defaults={"name": "demo", "key": DEMO_TOTP_KEY_HEX, "confirmed": True},
                )
        self.print_instructions()

    def print_instructions(self) -> None:
        write = self.stdout.write
        write("")
        write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for email, name, slug, role in ACCOUNTS:
            write(f"  {role.label:<15} {email}  ({name}, {slug})")
        write("")
        write("Second factor: every demo account shares the TOTP key")
        write(f"  {demo_totp_secret()}")
        write("Add it to an authenticator app, or print the current code with")
        write("  make demo-code")
        write("")
