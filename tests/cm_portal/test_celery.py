"""Tasks are sent only after commit (spec line 23): every enqueue goes through the outbox
(``cm_portal.outbox``; its own tests are in test_outbox.py), and a real worker runs them.

Messages are counted on the real Redis broker (settings.CELERY_BROKER_URL, database 15),
each test on a queue of its own so that nothing else's messages interfere.
"""

from __future__ import annotations

import ast
import json
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from cm_portal import outbox
from cm_portal.celery import app
from cm_portal.models import StaffSession
from cm_portal.tasks import clear_expired_sessions

from ..factories import UserFactory
from ..helpers import wait_for

PROJECT_APPS = ("cm_portal", "participants", "consent", "plans", "reporting")
ROOT = Path(__file__).resolve().parents[2]
TASK = "cm_portal.tasks.clear_expired_sessions"
SENDING = {"delay", "apply_async", "send_task", "signature", "s", "si"}
# The outbox's own publishing, and the worker's catch-up at start (no transaction there).
OUTBOX_ITSELF = {
    ("cm_portal/outbox.py", "send_task"),
    ("cm_portal/tasks.py", "apply_async"),
}


class Rollback(Exception):
    pass


def _messages(broker, queue) -> list[dict]:
    return [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]


def _calls(tree: ast.AST) -> list[tuple[str, int]]:
    return [
        (node.func.attr, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SENDING
    ]


def test_every_project_task_waits_for_the_commit():
    """No project code sends a task itself: every enqueue goes through the outbox, which
    publishes only after the commit (and survives a broker outage)."""
    senders = []
    for app_name in PROJECT_APPS:
        for path in sorted((ROOT / app_name).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for name, line in _calls(ast.parse(path.read_text(), relative)):
                if (relative, name) not in OUTBOX_ITSELF:
                    senders.append(f"{relative}:{line} {name}")
    assert senders == []


def test_the_check_finds_a_task_sent_directly():
    tree = ast.parse("def f():\n    with atomic():\n        render.delay(1)\n")
    assert _calls(tree) == [("delay", 3)]


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks, broker, queue):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        assert outbox.enqueue(TASK, queue=queue) is not None
        raise Rollback

    assert callbacks == []
    assert broker.llen(queue) == 0


@pytest.mark.django_db
def test_a_committed_transaction_sends_exactly_one(
    django_capture_on_commit_callbacks, broker, queue
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            outbox.enqueue(TASK, queue=queue)
        # Committed from the inner block's point of view, but the outer one is still open.
        assert broker.llen(queue) == 0

    assert len(callbacks) == 1
    messages = _messages(broker, queue)
    assert len(messages) == 1
    assert messages[0]["headers"]["task"] == "cm_portal.tasks.clear_expired_sessions"


def _session(*, expires_in: timedelta, user=None) -> str:
    store = SessionStore()
    store["marker"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    if user is not None:
        StaffSession.objects.create(user=user, session_key=store.session_key)
    return store.session_key


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_clears_expired_sessions(queue):
    user = UserFactory()
    expired = _session(expires_in=-timedelta(minutes=1), user=user)
    live = _session(expires_in=timedelta(hours=1), user=user)

    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        # Outside any transaction the task is sent at once.
        assert clear_expired_sessions.apply_async(queue=queue) is not None
        done = wait_for(lambda: not Session.objects.filter(session_key=expired).exists())

    assert done, "the worker did not run the task"
    assert Session.objects.filter(session_key=live).exists()
    assert list(StaffSession.objects.values_list("session_key", flat=True)) == [live]
