"""The access log keeps its rows five years: from then on the guard lets them be deleted.

The same trigger as 0002, which still refuses every UPDATE and the DELETE of any row
younger than five years (``access_log.purge_expired`` deletes the older ones, oldest
first). The period is written here, not read from the settings: the application's role
cannot replace this function (it owns nothing), so no setting can shorten it.
"""

from django.db import migrations

TABLE = "cm_portal_accessevent"
FUNCTION = "cm_portal_access_log_is_append_only"

POSTGRES_GUARD = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    IF {allow_old} TG_OP = 'DELETE' AND OLD.at < now() - interval '5 years' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""
POSTGRES_UP = POSTGRES_GUARD.format(function=FUNCTION, allow_old="")
POSTGRES_DOWN = POSTGRES_GUARD.format(function=FUNCTION, allow_old="FALSE AND")

SQLITE_DELETE_GUARD = f"""CREATE TRIGGER access_log_no_delete BEFORE DELETE ON {TABLE}
    {{when}}
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END"""
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS access_log_no_delete",
    # Django stores SQLite datetimes as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    SQLITE_DELETE_GUARD.format(when="WHEN OLD.at >= datetime('now', '-5 years')"),
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS access_log_no_delete",
    SQLITE_DELETE_GUARD.format(when=""),
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("cm_portal", "0005_access_event_delete_actions")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}),
            _run({"postgresql": [POSTGRES_DOWN], "sqlite": SQLITE_DOWN}),
        )
    ]
