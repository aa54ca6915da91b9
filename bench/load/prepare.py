"""Seeds the scratch database for the load test and writes the simulated staff to a JSON file.

Run with ``DJANGO_SETTINGS_MODULE=bench.load.settings`` and ``DATABASE_URL`` pointing at a
scratch database (never real case data)::

    python bench/load/prepare.py --participants 2000 --users 50 --out var/loadtest/users.json

- synthetic participants from ``seed_synthetic`` (only the first time: the seed is kept);
- ``--users`` case managers, taking turns between the two organisations, each assigned to
  ``--caseload`` participants (guardian rows, bulk-created, as ``participant_assign``
  would write them), each with a confirmed TOTP device;
- for each, a fresh database session as after a full login (password and second factor), so
  the load tool sends the session cookie and never logs in: login speed is not measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from cm_portal.management.commands.load_demo import DEMO_TOTP_KEY_HEX  # noqa: E402
from cm_portal.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY  # noqa: E402
from cm_portal.models import Organisation, Role, User  # noqa: E402
from participants.models import Participant, ParticipantUserObjectPermission  # noqa: E402
from reporting.management.commands.seed_synthetic import synthetic_exists  # noqa: E402

EMAIL = "load-cm-{:03d}@load.example"
PASSWORD = "load-test-password-not-secret"  # noqa: S105 (scratch database only)


def seed(participants: int, seed_value: int) -> None:
    if synthetic_exists():
        print(f"seeded already: {Participant.objects.count()} participants")
        return
    started = time.monotonic()
    call_command(
        "seed_synthetic", participants=participants, seed=seed_value, force=True, verbosity=0
    )
    print(f"seeded {participants} participants in {time.monotonic() - started:.0f} s")


def staff(users: int, caseload: int) -> list[dict]:
    organisations = list(Organisation.objects.order_by("slug"))
    permission = Permission.objects.get(
        codename="change_participant", content_type__app_label="participants"
    )
    pools = {
        organisation.pk: list(
            Participant.objects.filter(organisation=organisation, intervention_end__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for organisation in organisations
    }
    if min(len(pool) for pool in pools.values()) < caseload:
        raise SystemExit(f"fewer than {caseload} open participants an organisation: seed more")
    result = []
    # One hash for all: the production hasher takes a second or more a password on a busy
    # machine, and 200 staff share the same made-up password anyway.
    hashed = make_password(PASSWORD)
    with transaction.atomic():
        for number in range(users):
            organisation = organisations[number % len(organisations)]
            user, created = User.objects.get_or_create(
                email=EMAIL.format(number),
                defaults={
                    "name": f"Load CM {number:03d}",
                    "organisation": organisation,
                    "role": Role.CASE_MANAGER,
                },
            )
            if created:
                user.password = hashed
                user.save(update_fields=["password"])
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, defaults={"name": "load", "key": DEMO_TOTP_KEY_HEX, "confirmed": True}
            )
            # Each its own participants while there are enough; then shared (harmless here).
            pool = pools[user.organisation_id]
            first = (number // len(organisations)) * caseload
            mine = [pool[(first + k) % len(pool)] for k in range(caseload)]
            ParticipantUserObjectPermission.objects.filter(user=user).delete()
            ParticipantUserObjectPermission.objects.bulk_create(
                ParticipantUserObjectPermission(
                    user=user, permission=permission, content_object_id=pk
                )
                for pk in mine
            )
            result.append({"user": user.pk, "session": login_session(user, device), "pks": mine})
    return result


def login_session(user: User, device: TOTPDevice) -> str:
    """A session with exactly what a password login and a verified TOTP code leave in it."""
    now = int(time.time())
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend a password login records (a session naming one not in the settings is
    # anonymous).
    session[BACKEND_SESSION_KEY] = "cm_portal.oidc.backend.PasswordBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now
    session.create()
    return session.session_key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--caseload", type=int, default=40)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if settings.DEBUG:
        raise SystemExit("the load test runs production settings: DEBUG must be off")
    seed(args.participants, args.seed)
    users = staff(args.users, args.caseload)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "users": users}), encoding="utf-8"
    )
    print(f"{len(users)} case managers with sessions written to {args.out}")


if __name__ == "__main__":
    main()
