"""Fixed personas (healthchecks' Alice/Bob/Charlie) and clients logged in as them.

- alice: case manager at Hela Människan, assigned to the participants under test
- bob: case manager at Hela Människan, not assigned (same-organisation colleague)
- charlie: case manager at another district (Skärholmen), which no consent covers
- dana: case manager at the district; in the permission matrix a real consent of the
  participant under test covers the district (a sharing grant), so dana reads, never changes
- tess: team lead at Hela Människan
- steve: steering group, a member of "Vägledning i Vardagslivet"
- pia: project group, a member of "Vägledning i Vardagslivet"
- ada: administrator
- rita: researcher, named in the data-sharing agreement of the research tests (tests/research);
  reaches research data only, never a case page or a report
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from cm_portal.models import Organisation, Role

from .factories import OrganisationFactory, TOTPDeviceFactory, UserFactory, default_programme

PERSONAS = ["anonymous", "alice", "bob", "charlie", "dana", "tess", "steve", "pia", "ada", "rita"]


@pytest.fixture
def vagledning(db):
    """The programme "Vägledning i Vardagslivet", as its migration makes it (again, after a
    transactional test flushed the database)."""
    return default_programme()


# The organisations of the personas, by fixture name.
ORGANISATIONS = {
    "hela_manniskan": {
        "slug": "hela-manniskan",
        "name": "Hela Människan StorStockholm",
        "kind": Organisation.Kind.CIVIL_SOCIETY,
    },
    "district": {
        "slug": "district",
        "name": "Hägersten-Älvsjö stadsdelsförvaltning",
        "kind": Organisation.Kind.PUBLIC_AUTHORITY,
    },
    # Where charlie works: a third organisation, which no consent in the tests covers.
    "other_district": {
        "slug": "skarholmen",
        "name": "Skärholmens stadsdelsförvaltning",
        "kind": Organisation.Kind.PUBLIC_AUTHORITY,
    },
}

# Each persona: e-mail, name, the fixture name of the organisation and role. The steering
# and project groups are members of "Vägledning i Vardagslivet" (PROGRAMME_MEMBERS).
STAFF = {
    "alice": ("alice@hela.example", "Alice Andersson", "hela_manniskan", Role.CASE_MANAGER),
    "bob": ("bob@hela.example", "Bob Berg", "hela_manniskan", Role.CASE_MANAGER),
    "charlie": (
        "charlie@district.example",
        "Charlie Carlsson",
        "other_district",
        Role.CASE_MANAGER,
    ),
    "dana": ("dana@district.example", "Dana Dahl", "district", Role.CASE_MANAGER),
    "tess": ("tess@hela.example", "Tess Team", "hela_manniskan", Role.TEAM_LEAD),
    "steve": ("steve@district.example", "Steve Styr", "district", Role.STEERING_GROUP),
    "pia": ("pia@hela.example", "Pia Projekt", "hela_manniskan", Role.PROJECT_GROUP),
    "ada": ("ada@district.example", "Ada Admin", "district", Role.ADMINISTRATOR),
    "rita": ("rita@mchs.example", "Rita Research", "district", Role.RESEARCHER),
}
PROGRAMME_MEMBERS = {Role.STEERING_GROUP, Role.PROJECT_GROUP}


def make_organisation(name: str) -> Organisation:
    return OrganisationFactory(**ORGANISATIONS[name])


def make_persona(name: str, organisation: Organisation):
    """The persona ``name`` (a key of ``STAFF``), working at ``organisation``."""
    email, full_name, _organisation, role = STAFF[name]
    user = _staff(email, full_name, organisation, role)
    if role in PROGRAMME_MEMBERS:
        default_programme().members.add(user)
    return user


@pytest.fixture
def hela_manniskan(db) -> Organisation:
    return make_organisation("hela_manniskan")


@pytest.fixture
def district(db) -> Organisation:
    return make_organisation("district")


def _staff(email, name, organisation, role):
    user = UserFactory(email=email, name=name, organisation=organisation, role=role)
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def other_district(db) -> Organisation:
    """Where charlie works: a third organisation, which no consent in the tests covers."""
    return make_organisation("other_district")


@pytest.fixture
def alice(hela_manniskan):
    return make_persona("alice", hela_manniskan)


@pytest.fixture
def bob(hela_manniskan):
    return make_persona("bob", hela_manniskan)


@pytest.fixture
def charlie(other_district):
    return make_persona("charlie", other_district)


@pytest.fixture
def dana(district):
    return make_persona("dana", district)


@pytest.fixture
def tess(hela_manniskan):
    return make_persona("tess", hela_manniskan)


@pytest.fixture
def steve(district):
    return make_persona("steve", district)


@pytest.fixture
def pia(hela_manniskan):
    return make_persona("pia", hela_manniskan)


@pytest.fixture
def ada(district):
    return make_persona("ada", district)


@pytest.fixture
def rita(district):
    """The researcher persona. Her account sits in an organisation (every account does), which
    gives her nothing: the researcher role reaches no case and no report."""
    return make_persona("rita", district)


@contextlib.contextmanager
def kept_for_many_tests(django_db_blocker) -> Iterator[None]:
    """A transaction around many tests, for rows they all start from (Django's
    ``TestCase.setUpTestData``): what is written inside it stays for each test of the group,
    whose own transaction (pytest-django's) becomes a savepoint within it and is rolled back
    after the test as always; the whole is rolled back at the end. Only for database tests
    that are not transactional (those commit, and empty the tables after them)."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        # As TestCase's own blocks: a durable atomic block inside a test is still allowed.
        block._from_testcase = True  # type: ignore[attr-defined]
        block.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def verified_client(user) -> Client:
    """A client logged in with password and second factor, as after a real login."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get(confirmed=True).persistent_id
    session.save()
    return client


@pytest.fixture
def persona_client(request):
    """persona_client("alice") → a verified client for that persona; "anonymous" → none."""

    def make(name: str) -> Client:
        if name == "anonymous":
            return Client()
        return verified_client(request.getfixturevalue(name))

    return make


@pytest.fixture
def personas(request) -> dict:
    return {name: request.getfixturevalue(name) for name in PERSONAS if name != "anonymous"}


# Tests that take seconds each: a browser, gunicorn, a real worker or a subprocess,
# hypothesis's examples, a thousand generated cases.
SLOW_MARKERS = ("browser", "blackbox")
SLOW_FIXTURES = {"live_server", "oidc_provider"}
SLOW_MODULES = (
    "tests/fuzz/",
    "tests/oidc/",
    "tests/cm_portal/test_backup_restore.py",
    "tests/cm_portal/test_commands.py",
    "tests/cm_portal/test_headers_and_settings.py",
    "tests/participants/test_retention.py",
    "tests/plans/test_whole_case_file.py",
    "tests/reporting/test_kpis_queries.py",
    "tests/reporting/test_pdfs.py",
    "tests/test_translations.py",
)
# Modules with single tests of many seconds (one hypothesis run, a programme's every day, a
# set-based run over thousands of rows, PDFs), the longest first: first of all in their
# group, so that neither worker is left running one of them alone at the end of the run.
LONGEST_MODULES = (
    "tests/reporting/test_kpi_facts_property.py",
    "tests/reporting/test_cadence.py",
    "tests/plans/test_deadlines_set_based.py",
    "tests/programmes/test_second_programme.py",
    "tests/reporting/test_equality.py",
    "tests/reporting/test_final_report.py",
    "tests/plans/test_documents.py",
    "tests/cm_portal/test_outbox.py",
)
TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


def _django_group(item: pytest.Item) -> int:
    """pytest-django's (and Django's) order: database tests, then transactional ones (which
    empty the tables after them), then tests without a database."""
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    if (marker and marker.kwargs.get("transaction")) or fixtures & TRANSACTIONAL_FIXTURES:
        return 1
    if marker or "db" in fixtures:
        return 0
    return 2


def _speed(item: pytest.Item) -> int:
    """The longest tests in the order of ``LONGEST_MODULES``, then the slow ones, then the
    rest."""
    for rank, module in enumerate(LONGEST_MODULES):
        if item.nodeid.startswith(module):
            return rank
    return len(LONGEST_MODULES) + (0 if _slow(item) else 1)


def _slow(item: pytest.Item) -> bool:
    return (
        any(item.get_closest_marker(name) for name in SLOW_MARKERS)
        or bool(SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))
        or item.nodeid.startswith(SLOW_MODULES)
    )


def pytest_collection_modifyitems(config, items):
    """Within each of pytest-django's groups (database tests, transactional tests, tests
    without a database), the longest tests first, then the slow ones, in their usual order,
    then the rest.
    pytest-xdist's worksteal gives each worker a contiguous share of this list and lets an
    idle worker take the tail of another's, so the long tests start early and the last
    minutes of a run hold quick tests for both workers."""
    items.sort(key=lambda item: (_django_group(item), _speed(item)))
    _keep_declared_order(items)


def _keep_declared_order(items: list[pytest.Item]) -> None:
    """A test marked ``declared_order`` runs its parameter sets in the order it lists them,
    in the places its cases hold. pytest groups the cases of a test parametrized with
    ``scope="module"`` by each argument's value; a fixture that depends on one argument
    (the permission matrix's rows) wants them in their own order."""
    places: dict[object, list[int]] = {}
    for index, item in enumerate(items):
        if item.get_closest_marker("declared_order") and hasattr(item, "callspec"):
            places.setdefault(getattr(item, "function", None), []).append(index)
    for indexes in places.values():
        cases = sorted((items[i] for i in indexes), key=_parameter_set)
        for index, item in zip(indexes, cases, strict=True):
            items[index] = item


def _parameter_set(item) -> int:
    return min(item.callspec.indices.values())


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Each test database (one per pytest-xdist process) is a copy of a migrated template
    (CREATE DATABASE ... TEMPLATE, a fraction of a second) instead of running the ~45
    migrations again (about 20 s on a busy machine). The template is made by ``migrate``
    the first time, and kept from run to run under a name that changes with every migration
    file of every app (and with Django's version): changed migrations, a new template."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    database.setdefault("TEST", {})["TEMPLATE"] = _migrated_template(database)


def _migrations_digest() -> str:
    import hashlib
    from importlib.util import find_spec

    import django
    from django.apps import apps

    digest = hashlib.sha256(django.get_version().encode())
    for config in apps.get_app_configs():
        spec = find_spec(f"{config.name}.migrations")
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            for path in sorted(Path(folder).glob("*.py")):
                digest.update(f"{config.label}/{path.name}".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _migrated_template(database: dict) -> str:
    """The name of the migrated template of ``database``; made here if there is none yet
    (by one process: the others wait on an advisory lock, then copy it)."""
    import os
    import subprocess
    import sys

    import psycopg

    base = database["NAME"][:40]
    name = f"tpl_{base}_{_migrations_digest()}"
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    user = database["USER"] or "postgres"
    with psycopg.connect(
        host=host,
        port=port,
        user=user,
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"tpl_{base}"])
        try:
            names = [row[0] for row in admin.execute("SELECT datname FROM pg_database")]
            if name in names:
                return name
            building = f"{name}_new"
            # Earlier templates of this database, and a half-made one (a run that copies one
            # still holds it: then it stays, for the next run to drop).
            stale = re.compile(rf"tpl_{re.escape(base)}_[0-9a-f]{{12}}(_new)?")
            for old in filter(stale.fullmatch, names):
                with contextlib.suppress(psycopg.errors.ObjectInUse):
                    admin.execute(f'DROP DATABASE "{old}"')
            admin.execute(f'CREATE DATABASE "{building}" TEMPLATE template0')
            password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                cwd=Path(__file__).resolve().parents[1],
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "cm_portal.settings.test",
                    "TEST_DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{building}",
                },
                check=True,
            )
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            return name
        finally:
            admin.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"tpl_{base}"])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database; before it is dropped at the end of the run, the
    connections that tests' threads (concurrency tests, live servers, Celery workers) left
    open are closed: PostgreSQL refuses to drop a database someone is still connected to,
    and the run would end in an error after every test passed. First garbage collection
    (a finished thread's connection closes when it is collected) and up to 5 s for servers'
    sessions to go; what is still connected then is ended, as DROP DATABASE ... WITH (FORCE)
    would do. Then the database is dropped in the background (``_drop_in_background``)."""
    yield
    import gc

    from django.db import connection

    from .helpers import admin_connection

    db = connection.settings_dict
    with django_db_blocker.unblock():
        connection.close()
        gc.collect()
        with admin_connection() as admin:
            others = "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if admin.execute(f"SELECT count(*) {others}", [db["NAME"]]).fetchone() == (0,):
                    break
                time.sleep(0.1)
            admin.execute(f"SELECT pg_terminate_backend(pid) {others}", [db["NAME"]])
    if connection.vendor == "postgresql":
        connection.creation._destroy_test_db = _drop_in_background  # type: ignore[method-assign]


# A dropped database is gone for the next run at once; PostgreSQL's DROP DATABASE then
# waits for a checkpoint (seconds on a busy machine), which no one needs to wait for.
DROP_DATABASE = """
import os, sys
if os.fork():  # the parent returns at once; the child drops, detached
    sys.exit(0)
import psycopg
host, port, user, pattern = sys.argv[1:]
with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as admin:
    # This run's, and any an earlier run's dropper left (a machine switched off meanwhile).
    names = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern])
    for (name,) in names.fetchall():
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        except psycopg.Error:
            pass
"""


def _drop_in_background(test_database_name: str, verbosity: int) -> None:
    """Django's drop of the test database at the end of the run, without the wait: the
    database is renamed out of the way (instantly) and a detached process drops it."""
    import os
    import subprocess
    import sys

    from django.db import connection

    connection.close_pool()
    old = f"{test_database_name[:40]}_old_"
    trash = f"{old}{uuid.uuid4().hex[:8]}"
    quote = connection.ops.quote_name
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {quote(test_database_name)} RENAME TO {quote(trash)}")
    db = connection.settings_dict
    subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [
            sys.executable,
            "-c",
            DROP_DATABASE,
            db["HOST"] or "127.0.0.1",
            str(db["PORT"] or 5432),
            db["USER"] or "postgres",
            old.replace("_", r"\_") + "%",
        ],
        env={**os.environ, "PGPASSWORD": db["PASSWORD"] or ""},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        check=True,
    )


# What migrate makes from the models, the same after every flush (see flush_by_delete).
KEPT_BY_FLUSH = {"django_content_type", "auth_permission"}


@pytest.fixture(scope="session", autouse=True)
def flush_by_delete():
    """After each transactional test (live server, real worker, subprocess) Django empties
    every table with one TRUNCATE, which makes new files for each of the ~60 tables and
    their indexes: about 2 s a test on a busy machine. The tables hold a handful of rows,
    and DELETE empties them just as well in a few milliseconds. As a superuser (the
    ``postgres`` account of TEST_DATABASE_URL's default) the triggers are off for the
    flush's transaction and every table is emptied by DELETE; otherwise tables with
    triggers of their own (the append-only access log refuses DELETE), or tied by a
    foreign key that is checked at once, are still truncated, with every table that
    refers to them.

    The content types and permissions are kept: the flush would delete them and post_migrate
    make the same rows again under new ids, a few hundred inserts after every such test, and
    a server started once for many tests (tests/blackbox) would keep the old ids in its
    content-type cache. Nothing else writes them: migrate makes them, from the models."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        tables = [table for table in tables if table not in KEPT_BY_FLUSH]
        if not tables or reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        deletes = [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser')")
            if cursor.fetchone() == ("on",):
                # The flush runs in one transaction: triggers off for it alone (a foreign
                # key's check is a trigger too), and every table, the append-only access
                # log's included, is emptied by DELETE. No TRUNCATE, whose new files made
                # each flush take about 1 s on a busy machine (now about 0.4 s).
                return [" ".join(["SET LOCAL session_replication_role = replica;", *deletes])]
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal"
            )
            kept = {name for (name,) in cursor.fetchall()}
            cursor.execute(
                "SELECT src.relname, dst.relname, k.condeferrable FROM pg_constraint k "
                "JOIN pg_class src ON src.oid = k.conrelid "
                "JOIN pg_class dst ON dst.oid = k.confrelid WHERE k.contype = 'f'"
            )
            references = cursor.fetchall()
        kept |= {name for src, dst, deferred in references if not deferred for name in (src, dst)}
        while True:  # a table that refers to a truncated one is truncated with it
            more = {src for src, dst, _deferred in references if dst in kept} - kept
            if not more:
                break
            kept |= more
        kept &= set(tables)
        deleted = [table for table in tables if table not in kept]
        statements = truncate(self, style, sorted(kept)) if kept else []
        statements += [f"DELETE FROM {self.quote_name(table)};" for table in deleted]  # noqa: S608
        return [" ".join(statements)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="session", autouse=True)
def empty_default_queue():
    """Saves in the tests ask the outbox to publish deadline recomputations to the default
    queue of the test broker, where no test worker listens (each has its own queue). Empty
    it after the run so that it does not grow from one run to the next. Under pytest-xdist
    each process has a default queue of its own (settings.test), so this never empties
    the queue of a process still running."""
    yield
    import redis
    from django.conf import settings

    # A test may have taken the broker away: then there is nothing to tidy.
    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1).delete(
            settings.CELERY_TASK_DEFAULT_QUEUE
        )


@pytest.fixture
def blank_pdfs(monkeypatch):
    """For tests of a PDF's course (asked for, rendered once, stored, mailed, downloaded by
    whom) that never read what it says: the HTML is still made from the template and its
    context, and WeasyPrint's layout of it (seconds a report on a busy machine) gives way to
    a blank one-page PDF. What the PDFs say is checked by the tests that read them."""
    from cm_portal import pdf

    from .consent.helpers import PDF

    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: PDF)


@pytest.fixture
def broker():
    """The test broker (Redis), for tests that look at what was sent."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.ping()
    yield client
    client.close()


@pytest.fixture
def queue(broker):
    """A queue name of this test's own (a worker started on it sees nothing else); removed
    from Redis afterwards, with kombu's bindings."""
    name = f"cm-portal-test-{uuid.uuid4().hex}"
    yield name
    leftovers = list(broker.scan_iter(match=f"*{name}*"))
    if leftovers:
        broker.delete(*leftovers)


@pytest.fixture(autouse=True)
def no_remembered_outage():
    """A broker outage one test caused must not make the outbox skip the next test's
    on-commit publish (every enqueue goes through the outbox)."""
    from cm_portal import outbox

    outbox.resume()
    yield
    outbox.resume()


@pytest.fixture
def english():
    """Messages and labels read in English (the interface default is Swedish). A module whose
    every test reads English says so with ``pytest.mark.usefixtures("english")``."""
    from django.utils import translation

    with translation.override("en"):
        yield
