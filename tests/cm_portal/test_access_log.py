"""The access log: what a row holds, that the database keeps rows as written, the hash chain.

Spec lines 15 and 16 (security.md). The guard is tried through the ORM and raw SQL, and,
as a role with the application's rights (README, "Database roles"), TRUNCATE and dropping,
disabling or replacing the trigger are tried too.
"""

# The SQL here is built from the model's own table name, never from input.
# ruff: noqa: S608
from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.utils import ConnectionHandler
from django.test import Client, RequestFactory

from cm_portal import access_log
from cm_portal.models import AccessEvent

from ..helpers import code_for, log_in_with_password

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
TABLE = AccessEvent._meta.db_table
TRIGGER = "access_log_append_only"
migration_0002 = importlib.import_module("cm_portal.migrations.0002_access_log_append_only")


def _request(user=None, address="192.0.2.10"):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    if user is not None:
        request.user = user
    return request


# --- What a row holds -------------------------------------------------------------------


def test_record_writes_who_organisation_what_when_and_where(alice, bob):
    moment = datetime(2026, 6, 1, 12, 30, 15, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        event = access_log.record_request(_request(alice), action=Action.VIEW, obj=bob)

    stored = AccessEvent.objects.get(pk=event.pk)
    assert stored.actor == alice
    assert stored.actor_email == "alice@hela.example"
    assert stored.organisation_slug == "hela-manniskan"
    assert stored.action == Action.VIEW
    assert (stored.object_type, stored.object_id) == ("user", str(bob.pk))
    assert stored.ip_address == "192.0.2.10"
    assert stored.at == moment
    assert stored.at.utcoffset() == timedelta(0)


def test_record_keeps_who_someone_was_then(alice, district):
    event = access_log.record(
        action=Action.VIEW, actor=alice, object_type="participant", object_id=3
    )
    alice.email = "alice.new@district.example"
    alice.organisation = district
    alice.save()
    event.refresh_from_db()
    assert (event.actor_email, event.organisation_slug) == ("alice@hela.example", "hela-manniskan")


def test_record_prefers_the_address_axes_settled_on(alice):
    request = _request(alice, address="10.0.0.1")
    request.axes_ip_address = "203.0.113.5"
    assert access_log.record_request(request, action=Action.VIEW).ip_address == "203.0.113.5"


def test_record_without_a_request_or_actor(db):
    event = access_log.record(action=Action.LOGIN_FAILED, detail="unknown account")
    assert (event.actor, event.actor_email, event.organisation_slug, event.ip_address) == (
        None,
        "",
        "",
        None,
    )


def test_record_strips_line_breaks_and_caps_the_detail(alice):
    event = access_log.record(action=Action.CHANGE, actor=alice, detail="name\r\nFAKE " + "x" * 300)
    assert "\n" not in event.detail and "\r" not in event.detail
    assert len(event.detail) == 200


def test_login_logout_and_failed_login_are_logged(ada):
    client = Client()
    log_in_with_password(client, ada.email, "wrong-password")
    log_in_with_password(client, ada.email)
    client.post("/accounts/two-factor/", {"token": code_for(ada.totpdevice_set.get())})
    client.post("/accounts/logout/")

    rows = list(AccessEvent.objects.order_by("id").values_list("action", "actor_id", "ip_address"))
    assert rows == [
        (Action.LOGIN_FAILED, ada.pk, "127.0.0.1"),
        (Action.LOGIN, ada.pk, "127.0.0.1"),
        (Action.OTP_VERIFIED, ada.pk, "127.0.0.1"),
        (Action.LOGOUT, ada.pk, "127.0.0.1"),
    ]


# --- The database refuses changes -------------------------------------------------------


@pytest.fixture
def event(alice):
    return access_log.record(
        action=Action.VIEW, actor=alice, object_type="participant", object_id=1
    )


def _refused(change) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_postgresql_refuses_orm_updates(event):
    def save():
        event.detail = "edited"
        event.save()

    _refused(save)
    _refused(lambda: AccessEvent.objects.filter(pk=event.pk).update(detail="edited"))
    _refused(lambda: AccessEvent.objects.bulk_update([event], ["detail"]))
    event.refresh_from_db()
    assert event.detail == ""


def test_postgresql_refuses_orm_deletes(event):
    _refused(lambda: AccessEvent.objects.get(pk=event.pk).delete())
    _refused(lambda: AccessEvent.objects.all().delete())
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_postgresql_refuses_raw_sql(event):
    _refused(lambda: _raw(f"UPDATE {TABLE} SET action = 'login' WHERE id = %s", [event.pk]))
    _refused(lambda: _raw(f"UPDATE {TABLE} SET hash = ''"))
    _refused(lambda: _raw(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk]))
    _refused(lambda: _raw(f"DELETE FROM {TABLE}"))
    assert AccessEvent.objects.filter(pk=event.pk, action=Action.VIEW).exists()


def test_new_rows_can_still_be_written_after_a_refusal(event):
    _refused(lambda: _raw(f"DELETE FROM {TABLE}"))
    access_log.record(action=Action.VIEW, object_type="participant", object_id=2)
    assert AccessEvent.objects.count() == 2


@pytest.fixture
def as_application_role(db):
    """Run as a role with the application's rights (README, "Database roles"): read and
    write rows, own nothing. Created inside the test's transaction, so it is rolled back."""
    role = f"cm_app_probe_{uuid.uuid4().hex[:12]}"
    _raw(f"CREATE ROLE {role} NOLOGIN")
    _raw(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    _raw(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    _raw(f"SET LOCAL ROLE {role}")
    yield role
    _raw("RESET ROLE")


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET detail = 'edited'",
        f"DELETE FROM {TABLE}",
        f"TRUNCATE {TABLE}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"DROP TRIGGER {TRIGGER} ON {TABLE}",
        "DROP FUNCTION cm_portal_access_log_is_append_only() CASCADE",
        "CREATE OR REPLACE FUNCTION cm_portal_access_log_is_append_only() RETURNS trigger "
        "AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
        f"DROP TABLE {TABLE}",
        f"ALTER TABLE {TABLE} RENAME TO old_log",
    ],
    ids=lambda sql: " ".join(sql.split()[:3]),
)
def test_the_application_role_cannot_undo_the_guard(event, as_application_role, statement):
    with (
        pytest.raises(DatabaseError, match=r"append-only|permission denied|must be owner"),
        transaction.atomic(),
    ):
        _raw(statement)
    # What the application does need still works.
    access_log.record(action=Action.VIEW, object_type="participant", object_id=2)
    assert AccessEvent.objects.count() == 2
    assert access_log.verify_chain() == (2, None)


@pytest.fixture
def sqlite_connection(db, tmp_path):
    """A throwaway SQLite database with the access-log table, made the way Django makes it."""
    # A file, not :memory:: Django ignores close() on an in-memory database.
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "demo.sqlite3"}}
    )
    sqlite = handler["default"]
    with sqlite.schema_editor() as editor:
        editor.create_model(AccessEvent)
    yield sqlite
    sqlite.close()


def _run_migration(sqlite, direction: str) -> None:
    operation = migration_0002.Migration.operations[0]
    code = operation.code if direction == "forwards" else operation.reverse_code
    with sqlite.schema_editor() as editor:
        code(None, editor)


def _sqlite(sqlite, sql: str) -> None:
    with sqlite.cursor() as cursor:
        cursor.execute(sql)


def insert_raw_row(sqlite, at: str) -> None:
    """A row written with plain SQL at ``at``: the nullable columns NULL, the others empty."""
    columns = [field.column for field in AccessEvent._meta.concrete_fields if field.column != "id"]
    values = {"at": f"'{at}'", "actor_id": "NULL", "ip_address": "NULL", "data": "NULL"}
    _sqlite(
        sqlite,
        f"INSERT INTO {TABLE} ({', '.join(columns)}) "
        f"VALUES ({', '.join(values.get(column, "''") for column in columns)})",
    )


def test_sqlite_triggers_refuse_update_and_delete(sqlite_connection):
    sqlite = sqlite_connection
    _run_migration(sqlite, "forwards")
    insert_raw_row(sqlite, "2026-01-01 00:00:00")

    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"):
        _sqlite(sqlite, f"UPDATE {TABLE} SET detail = 'edited'")
    with pytest.raises(DatabaseError, match="append-only: DELETE refused"):
        _sqlite(sqlite, f"DELETE FROM {TABLE}")
    with sqlite.cursor() as cursor:
        cursor.execute(f"SELECT detail FROM {TABLE}")
        assert cursor.fetchall() == [("",)]

    # The migration is reversible: without the triggers the same statements pass.
    _run_migration(sqlite, "backwards")
    _sqlite(sqlite, f"UPDATE {TABLE} SET detail = 'edited'")
    _sqlite(sqlite, f"DELETE FROM {TABLE}")


# --- The hash chain (three entries: the ``chain`` fixture, tests/cm_portal/conftest.py) ---


def _behind_the_applications_back(sql: str, params=()) -> None:
    """What someone with the table owner's rights could do: switch the guard off, change."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


def test_each_row_carries_the_hash_of_the_one_before(chain):
    assert chain[0].previous_hash == ""
    assert chain[1].previous_hash == chain[0].hash
    assert chain[2].previous_hash == chain[1].hash
    assert len({event.hash for event in chain}) == 3


def test_an_intact_chain_verifies(chain, capsys):
    assert access_log.verify_chain() == (3, None)
    call_command("verify_access_log")
    assert "intact: 3 rows checked" in capsys.readouterr().out


def test_an_edited_row_is_reported(chain):
    middle = chain[1]
    _behind_the_applications_back(
        f"UPDATE {TABLE} SET actor_email = 'someone@else.example' WHERE id = %s", [middle.pk]
    )

    checked, broken = access_log.verify_chain()
    assert (checked, broken.event_id) == (1, middle.pk)
    assert "content does not match" in broken.reason
    with pytest.raises(CommandError, match=f"Broken at access event {middle.pk} after 1 good"):
        call_command("verify_access_log")
    # The guard is back on.
    _refused(lambda: _raw(f"DELETE FROM {TABLE}"))


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(chain):
    middle, last = chain[1], chain[2]
    forged = AccessEvent.objects.get(pk=middle.pk)
    forged.object_id = "2"
    forged_hash = access_log._event_hash(forged)
    _behind_the_applications_back(
        f"UPDATE {TABLE} SET object_id = '2', hash = %s WHERE id = %s", [forged_hash, middle.pk]
    )

    checked, broken = access_log.verify_chain()
    assert (checked, broken.event_id) == (2, last.pk)
    assert "previous_hash" in broken.reason


def test_a_deleted_row_is_reported(chain):
    _behind_the_applications_back(f"DELETE FROM {TABLE} WHERE id = %s", [chain[1].pk])

    with pytest.raises(CommandError, match=f"Broken at access event {chain[2].pk} after 1 good"):
        call_command("verify_access_log")


# --- The detail as data -------------------------------------------------------------------


def test_a_row_without_data_hashes_as_rows_did_before_the_field(chain):
    # The hash the code before the field gave this row (computed with it, kept as a literal).
    old_row = AccessEvent(
        at=datetime(2026, 1, 1, tzinfo=UTC),
        actor_id=7,
        actor_email="alice@hela.example",
        organisation_slug="hela-manniskan",
        action=Action.VIEW,
        object_type="participant",
        object_id="1",
        ip_address="192.0.2.10",
        detail="plan",
        previous_hash="",
    )
    assert access_log._event_hash(old_row) == (
        "77da660f6bc44f311b87c00a1a440bf772ba70b53c2b6b5297961acb0519e353"
    )
    assert all(event.data is None for event in chain)


def test_rows_with_and_without_data_verify_and_anchor_together(chain, alice, bob):
    changed = access_log.record(
        action=Action.CHANGE,
        actor=alice,
        obj=bob,
        detail="organisation,role",
        data=access_log.changes(
            ["organisation", "role", "name"],
            old={"organisation": alice.organisation, "role": "case_manager", "name": "Bo"},
            new={"organisation": bob.organisation, "role": "team_lead", "name": "Bob"},
            values_of=("organisation", "role"),
        ),
    )
    later = access_log.record(action=Action.VIEW, actor=bob, object_type="participant")

    stored = AccessEvent.objects.get(pk=changed.pk)
    assert stored.data == {
        "changed": {
            "organisation": {"old": alice.organisation_id, "new": bob.organisation_id},
            "role": {"old": "case_manager", "new": "team_lead"},
            "name": {},
        }
    }
    stored.data = None
    assert stored.hash != access_log._event_hash(stored)
    assert access_log.verify_chain() == (5, None)
    assert access_log.verify_against(changed.hash).ok
    assert later.data is None


def test_data_edited_behind_the_applications_back_breaks_the_chain(chain, alice):
    event = access_log.record(
        action=Action.CHANGE, actor=alice, data=access_log.change("legal_hold", False, True)
    )
    _behind_the_applications_back(
        f"UPDATE {TABLE} SET data = %s WHERE id = %s",
        ['{"changed": {"legal_hold": {"old": true, "new": false}}}', event.pk],
    )

    checked, broken = access_log.verify_chain()
    assert (checked, broken.event_id) == (3, event.pk)
    assert "content does not match" in broken.reason


def test_data_added_to_an_old_row_breaks_the_chain(chain):
    _behind_the_applications_back(
        f"UPDATE {TABLE} SET data = %s WHERE id = %s", ['{"changed": {}}', chain[1].pk]
    )

    checked, broken = access_log.verify_chain()
    assert (checked, broken.event_id) == (1, chain[1].pk)


def test_data_is_stored_as_it_reads_back(alice):
    event = access_log.record(
        action=Action.CHANGE,
        actor=alice,
        data={"day": datetime(2026, 6, 1, tzinfo=UTC).date(), "staff": alice.pk},
    )
    assert event.data == {"day": "2026-06-01", "staff": alice.pk}
    assert access_log.verify_chain() == (1, None)
