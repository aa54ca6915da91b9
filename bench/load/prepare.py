"""Seeds the scratch database for the load test and writes the simulated staff to a JSON file.

Run with ``DJANGO_SETTINGS_MODULE=bench.load.settings`` and ``DATABASE_URL`` pointing at a
scratch database (never real case data)::

    python bench/load/prepare.py --participants 2000 --users 50 --out var/loadtest/users.json

- synthetic participants from ``generate_synthetic`` (only the first time: the seed is kept);
- ``--users`` case managers in the synthetic organisation, each assigned to ``--caseload``
  participants (guardian rows, bulk-created, as ``participant_assign`` would write them),
  each with a confirmed TOTP device;
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
from reporting.management.commands.generate_synthetic import SYNTHETIC_SLUG  # noqa: E402

EMAIL = "load-cm-{:03d}@load.example"
PASSWORD = "load-test-password-not-secret"  # noqa: S105 (scratch database only)


def seed(participants: int, seed_value: int) -> None:
    done = Participant.objects.filter(
        organisation__slug=SYNTHETIC_SLUG, reference__startswith=f"S{seed_value}-"
    ).count()
    if done:
        print(f"seeded already: {done} synthetic participants (seed {seed_value})")
        return
    started = time.monotonic()
    call_command(
        "generate_synthetic", participants=participants, seed=seed_value, force=True, verbosity=0
    )
    print(f"seeded {participants} participants in {time.monotonic() - started:.0f} s")


def staff(users: int, caseload: int) -> list[dict]:
    organisation = Organisation.objects.get(slug=SYNTHETIC_SLUG)
    permission = Permission.objects.get(
        codename="change_participant", content_type__app_label="participants"
    )
    pool = list(
        Participant.objects.filter(organisation=organisation, intervention_end__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(pool) < users * caseload:
        raise SystemExit(
            f"only {len(pool)} open synthetic participants: need {users * caseload} "
            f"({users} users x {caseload}); seed more participants"
        )
    result = []
    with transaction.atomic():
        for number in range(users):
            user, created = User.objects.get_or_create(
                email=EMAIL.format(number),
                defaults={
                    "name": f"Load CM {number:03d}",
                    "organisation": organisation,
                    "role": Role.CASE_MANAGER,
                },
            )
            if created:
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, defaults={"name": "load", "key": DEMO_TOTP_KEY_HEX, "confirmed": True}
            )
            mine = pool[number * caseload : (number + 1) * caseload]
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
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
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
