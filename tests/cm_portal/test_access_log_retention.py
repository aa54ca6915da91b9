"""The access log keeps its rows five years, then they go, oldest first (security.md 21).

The database's guard still refuses every UPDATE and the DELETE of any younger row, also to
the application's role; the chain still verifies after a purge, and a gap anywhere but at
the start is still reported.
"""

# The SQL here is built from the model's own table name, never from input.
# ruff: noqa: S608
from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cm_portal import access_log
from cm_portal.models import AccessEvent

from .test_access_log import (  # noqa: F401 (fixtures)
    as_application_role,
    insert_raw_row,
    sqlite_connection,
)

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
TABLE = AccessEvent._meta.db_table
migration_0002 = importlib.import_module("cm_portal.migrations.0002_access_log_append_only")
migration_0006 = importlib.import_module("cm_portal.migrations.0006_access_log_retention")


def _record_at(when: datetime, object_id: int) -> AccessEvent:
    with time_machine.travel(when, tick=False):
        return access_log.record(action=Action.VIEW, object_type="participant", object_id=object_id)


@pytest.fixture
def log():
    """Three rows from six years ago, then two from last month."""
    now = timezone.now()
    old = [_record_at(now - timedelta(days=6 * 366) + timedelta(minutes=n), n) for n in range(3)]
    recent = [_record_at(now - timedelta(days=30) + timedelta(minutes=n), 10 + n) for n in range(2)]
    return old, recent


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_rows_past_five_years_go_and_the_chain_still_verifies(log):
    old, recent = log
    assert access_log.purge_expired() == 3

    remaining = list(AccessEvent.objects.order_by("id"))
    assert [event.pk for event in remaining[:2]] == [event.pk for event in recent]
    purge = remaining[-1]
    assert (purge.action, purge.object_id) == (Action.LOG_PURGED, old[-1].hash)
    assert purge.detail.startswith("3 rows older than ")
    assert access_log.verify_chain() == (3, None)
    # Nothing more is due: a second run deletes nothing and writes nothing.
    assert access_log.purge_expired() == 0
    assert AccessEvent.objects.count() == 3


def test_a_longer_setting_keeps_the_rows_longer(log, settings):
    settings.ACCESS_LOG_RETENTION_YEARS = 7
    assert access_log.purge_expired() == 0
    assert AccessEvent.objects.count() == 5


def test_a_shorter_setting_cannot_delete_younger_rows(log, settings):
    """The five years are the database's: a setting of one year is refused, not obeyed."""
    settings.ACCESS_LOG_RETENTION_YEARS = 0
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        access_log.purge_expired()
    assert AccessEvent.objects.count() == 5


def test_a_gap_after_the_start_is_still_reported(log):
    old, _recent = log
    # Deleting an old row from the middle is allowed by the guard, but breaks the chain.
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [old[1].pk])

    checked, broken = access_log.verify_chain()
    assert (checked, broken.event_id) == (1, old[2].pk)


def test_the_application_role_may_delete_only_rows_past_five_years(log, as_application_role):  # noqa: F811
    old, recent = log
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [recent[0].pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw(f"UPDATE {TABLE} SET detail = 'edited' WHERE id = %s", [old[0].pk])
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [old[0].pk])
    assert AccessEvent.objects.count() == 4


@pytest.fixture
def sqlite(sqlite_connection):  # noqa: F811 (the imported fixture)
    """The demo database's access-log table with the guard as migrations 0002 and 0006 leave it."""
    for migration in (migration_0002, migration_0006):
        with sqlite_connection.schema_editor() as editor:
            migration.Migration.operations[0].code(None, editor)
    return sqlite_connection


def test_sqlite_allows_deleting_only_rows_past_five_years(sqlite):
    young = datetime.now(UTC) - timedelta(days=30)
    for at in ("2015-01-01 00:00:00", young.strftime("%Y-%m-%d %H:%M:%S.%f")):
        insert_raw_row(sqlite, at)

    with (
        pytest.raises(DatabaseError, match="append-only: DELETE refused"),
        sqlite.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {TABLE} WHERE at > '2020-01-01'")
    with (
        pytest.raises(DatabaseError, match="append-only: UPDATE refused"),
        sqlite.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {TABLE} SET detail = 'x' WHERE at < '2020-01-01'")
    with sqlite.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE at < '2020-01-01'")
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        assert cursor.fetchone() == (1,)
