"""security.md 28: a backup taken with ``pg_dump`` restores into an empty database, and the
restored installation passes a smoke test. The same commands as the README's Backup and
Restore sections, without Docker: pg_dump in the custom format, pg_restore into a new
database in one transaction, then the portal itself run against the copy."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cm_portal import access_log
from cm_portal.models import AccessEvent
from consent import services as consent_services
from tests.consent.helpers import PDF, pdf_upload
from tests.helpers import admin_connection
from tests.participants.factories import log_contact, register

pytestmark = pytest.mark.django_db(transaction=True)

PG_DUMP = shutil.which("pg_dump") or "/usr/bin/pg_dump"
PG_RESTORE = shutil.which("pg_restore") or "/usr/bin/pg_restore"
ROOT = Path(settings.BASE_DIR)

SMOKE = """
import hashlib
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from participants.models import Participant, Contact
from consent.models import Consent
call_command("migrate", "--check")  # the copy has every migration applied
call_command("verify_access_log")
print("participants", Participant.objects.count(), "contacts", Contact.objects.count())
# The stored files are in the dump too (cm_portal/storage.py): the scan reads back whole.
with Consent.objects.get().scan.open("rb") as scan:
    print("scan", hashlib.sha256(scan.read()).hexdigest())
print("login page", Client(HTTP_HOST="localhost").get("/accounts/login/").status_code)
"""


def _libpq_args(name: str) -> list[str]:
    db = connection.settings_dict
    return [
        f"--host={db['HOST'] or '127.0.0.1'}",
        f"--port={db['PORT'] or 5432}",
        f"--username={db['USER'] or 'postgres'}",
        f"--dbname={name}",
    ]


def test_a_pg_dump_restores_into_an_empty_database_that_works(tmp_path, alice, hela_manniskan):
    participant = register(hela_manniskan, alice, display_name="Kim")
    log_contact(participant, alice, note="Restored note")
    access_log.record(action=AccessEvent.Action.VIEW, actor=alice, obj=participant)
    # A consent scan in the default storage, the database: one pg_dump holds it too.
    consent_services.consent_record(
        participant=participant,
        actor=alice,
        organisations=[hela_manniskan],
        external_names=[],
        purpose="Samordning av stöd",
        signed_on=participant.intervention_start,
        signed_by="participant",
        valid_until=None,
        scan=pdf_upload(),
    )

    dump = tmp_path / "cm_portal.dump"
    source = connection.settings_dict["NAME"]
    copy = f"cm_portal_restore_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PGPASSWORD": connection.settings_dict["PASSWORD"] or ""}
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - fixed programs, our own arguments
        [PG_DUMP, "--format=custom", f"--file={dump}", *_libpq_args(source)],
        check=True,
        env=env,
    )
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{copy}"')
    try:
        subprocess.run(  # noqa: S603
            [PG_RESTORE, "--exit-on-error", "--single-transaction", *_libpq_args(copy), str(dump)],
            check=True,
            env=env,
        )
        db = connection.settings_dict
        smoke = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SMOKE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={
                **env,
                "DJANGO_SETTINGS_MODULE": "cm_portal.settings.base",
                "DEBUG": "true",
                "DATABASE_URL": (
                    f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
                    f"{db['PORT'] or 5432}/{copy}"
                ),
            },
        )
        elapsed = time.monotonic() - started
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    assert smoke.returncode == 0, smoke.stderr[-2000:]
    assert "The access log is intact" in smoke.stdout
    assert "participants 1 contacts 1" in smoke.stdout
    assert "login page 200" in smoke.stdout
    assert f"scan {hashlib.sha256(PDF).hexdigest()}" in smoke.stdout
    assert elapsed < 60, f"backup and restore took {elapsed:.1f} s"
