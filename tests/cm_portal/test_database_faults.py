"""security.md 26: after PostgreSQL terminates every connection, the next request and the
next task succeed. Persistent connections (``CONN_MAX_AGE``, 60 s in production) would
otherwise hand a dead connection to the next request; ``CONN_HEALTH_CHECKS`` makes Django
test it first and reconnect."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.utils import timezone

from cm_portal.celery import app
from cm_portal.tasks import clear_expired_sessions

from ..conftest import verified_client
from ..helpers import admin_connection, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def persistent_connections():
    """Connections kept between requests, as in production (the test settings close them)."""
    # Each thread (live server, worker) makes its connection from the handler's settings.
    dicts = {id(d): d for d in (connection.settings_dict, connections.settings["default"])}
    before = {key: d["CONN_MAX_AGE"] for key, d in dicts.items()}
    for settings_dict in dicts.values():
        settings_dict["CONN_MAX_AGE"] = 60
    connection.close()  # the next connection is made with the new age
    yield
    for key, settings_dict in dicts.items():
        settings_dict["CONN_MAX_AGE"] = before[key]
    connection.close()  # a dead or long-lived connection is not left to the next test


def _terminate_every_connection() -> int:
    """What a PostgreSQL restart or failover does to the portal's connections: this
    thread's too, left open as a long-running server process leaves it."""
    name = connection.settings_dict["NAME"]
    with admin_connection() as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return len(rows)


def _get(path: str, *, session_key: str = "") -> int:
    """A request through Django's own WSGI handler, as gunicorn calls it: unlike the test
    client, it sends the request signals that check and recycle the connection."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        # A logged-in session: the request reads it, and the user, from the database.
        "HTTP_COOKIE": f"sessionid={session_key}",
    }
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    response.close()  # request_finished: the connection stays open (CONN_MAX_AGE)
    return int(statuses[0].split()[0])


def test_the_next_request_succeeds(persistent_connections, settings, alice):
    settings.ALLOWED_HOSTS = ["localhost"]
    session_key = verified_client(alice).cookies["sessionid"].value
    assert _get("/participants/", session_key=session_key) == 200
    # A persistent connection, open between two requests, is killed by the database.
    connection.ensure_connection()
    assert _terminate_every_connection() >= 1
    assert _get("/participants/", session_key=session_key) == 200


def test_the_next_task_succeeds(queue, persistent_connections):
    def expired_session() -> str:
        store = SessionStore()
        store.create()
        Session.objects.filter(session_key=store.session_key).update(
            expire_date=timezone.now() - timedelta(minutes=1)
        )
        return store.session_key

    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        first = expired_session()
        clear_expired_sessions.apply_async(queue=queue)
        assert wait_for(lambda: not Session.objects.filter(session_key=first).exists())
        # Celery's Django fixup closes the worker's connection after each task, so nothing
        # stale is handed on; the main thread's, left open, is terminated here.
        connection.ensure_connection()
        assert _terminate_every_connection() >= 1
        connection.close()  # the test's own (the harness's, not the worker's) connection
        second = expired_session()
        clear_expired_sessions.apply_async(queue=queue)
        assert wait_for(lambda: not Session.objects.filter(session_key=second).exists())
