"""The outbox: a job asked for in a transaction commits with it, and survives a broker that is down.

Messages are read from the real Redis broker (settings.CELERY_BROKER_URL). A row's task id
is chosen when it is written, so each test finds its own messages among any others and
removes them afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cm_portal import outbox
from cm_portal.celery import app
from cm_portal.models import OutboxMessage
from cm_portal.tasks import flush_outbox
from participants.models import Contact
from tests.participants.factories import log_contact, register

TASK = "plans.tasks.recompute_deadlines"
DEFAULT_QUEUE = settings.CELERY_TASK_DEFAULT_QUEUE  # "celery"; one per xdist process
REFUSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


class Rollback(Exception):
    pass


@pytest.fixture
def sent(broker):
    """sent(task_id, queue) → the messages with that task id; removed after the test."""
    seen: list[tuple[str, bytes]] = []

    def find(task_id: str, queue: str = DEFAULT_QUEUE) -> list[dict]:
        found = []
        for raw in broker.lrange(queue, 0, -1):
            message = json.loads(raw)
            if message["headers"]["id"] == task_id:
                seen.append((queue, raw))
                found.append(message)
        return found

    yield find
    for queue, raw in seen:
        broker.lrem(queue, 0, raw)


@pytest.fixture(autouse=True)
def broker_back():
    """Each test starts and ends with the configured broker and no remembered outage."""
    url = app.conf.broker_url
    outbox.resume()
    yield
    app.conf.broker_url = url
    outbox.resume()


@pytest.fixture
def silent_broker():
    """A port that takes connections and never answers, like a hung broker."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


def _args(message: dict) -> list:
    body = json.loads(base64.b64decode(message["body"]))
    return body[0]


@pytest.fixture
def participant(alice, hela_manniskan):
    participant = register(hela_manniskan, alice)
    OutboxMessage.objects.all().delete()  # the registration's own row
    return participant


@pytest.mark.django_db
def test_a_rolled_back_save_writes_no_row_and_publishes_nothing(
    django_capture_on_commit_callbacks, broker, participant, alice
):
    before = broker.llen(DEFAULT_QUEUE)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        log_contact(participant, alice)
        assert OutboxMessage.objects.count() == 1
        raise Rollback

    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert not Contact.objects.exists()
    assert broker.llen(DEFAULT_QUEUE) == before


@pytest.mark.django_db
def test_a_committed_save_publishes_exactly_once(
    django_capture_on_commit_callbacks, sent, participant, alice
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        log_contact(participant, alice)
        row = OutboxMessage.objects.get()
        assert sent(row.task_id) == []  # not before the commit

    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.published_at is not None
    assert (row.attempts, row.last_error) == (1, "")
    messages = sent(row.task_id)
    assert len(messages) == 1
    assert messages[0]["headers"]["task"] == TASK
    assert _args(messages[0]) == [participant.pk]
    # A second flush finds nothing to publish.
    assert outbox.flush() == 0
    assert len(sent(row.task_id)) == 1


@pytest.mark.django_db
def test_ten_saves_of_one_participant_leave_one_pending_row(participant, alice, hela_manniskan):
    other = register(hela_manniskan, alice, display_name="Sam")
    for minutes in range(10, 20):
        log_contact(participant, alice, duration_minutes=minutes)
    pending = OutboxMessage.objects.filter(published_at__isnull=True)
    assert list(pending.values_list("dedupe_key", "args").order_by("pk")) == [
        (f"deadlines:{other.pk}", [other.pk]),
        (f"deadlines:{participant.pk}", [participant.pk]),
    ]


@pytest.mark.django_db
def test_a_save_after_publishing_asks_again(sent, participant, alice):
    log_contact(participant, alice)
    first = OutboxMessage.objects.get()
    assert outbox.flush() == 1
    sent(first.task_id)  # cleaned up after the test
    log_contact(participant, alice)
    second = OutboxMessage.objects.get(published_at__isnull=True)
    assert second.pk != first.pk
    assert second.task_id != first.task_id
    assert outbox.flush() == 1
    assert len(sent(second.task_id)) == 1


@pytest.mark.django_db
def test_rows_without_a_key_are_never_merged(django_capture_on_commit_callbacks, queue, sent):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue("tests.outbox.probe", 1, queue=queue)
        second = outbox.enqueue("tests.outbox.probe", 1, queue=queue)
    assert first != second
    rows = OutboxMessage.objects.order_by("pk")
    assert [len(sent(row.task_id, queue)) for row in rows] == [1, 1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("down", ["refused", "silent"])
def test_with_the_broker_down_a_contact_is_saved_at_once_and_the_job_waits(
    down, request, persona_client, sent, hela_manniskan, alice
):
    participant = register(hela_manniskan, alice)
    for task_id in OutboxMessage.objects.values_list("task_id", flat=True):
        sent(task_id)  # the registration's message, published on commit: removed afterwards
    OutboxMessage.objects.all().delete()
    app.conf.broker_url = REFUSED if down == "refused" else request.getfixturevalue("silent_broker")
    client = persona_client("alice")
    form = {"date": timezone.localdate().isoformat(), "kind": "meeting", "duration_minutes": 30}

    began = time.monotonic()
    response = client.post(reverse("participants:contact_create", args=[participant.pk]), form)
    took = time.monotonic() - began

    assert response.status_code == 302
    assert took < 5, f"saving a contact took {took:.1f} s with the broker down"
    assert Contact.objects.filter(participant=participant).count() == 1
    row = OutboxMessage.objects.get()
    assert row.published_at is None
    assert row.attempts == 1
    assert row.last_error == "OperationalError"
    assert str(participant.pk) not in row.last_error

    # A second save while the outage is remembered does not wait for the broker again.
    began = time.monotonic()
    response = client.post(reverse("participants:contact_create", args=[participant.pk]), form)
    assert response.status_code == 302
    assert time.monotonic() - began < 1
    assert OutboxMessage.objects.get().pk == row.pk  # still the one pending row

    # The broker is back: the beat task publishes what waited.
    app.conf.broker_url = settings.CELERY_BROKER_URL
    assert flush_outbox.run() == 1
    row.refresh_from_db()
    assert row.published_at is not None
    assert row.attempts == 2
    assert row.last_error == ""
    messages = sent(row.task_id)
    assert len(messages) == 1
    assert _args(messages[0]) == [participant.pk]


@pytest.mark.django_db
def test_a_failed_flush_stops_at_the_first_row(queue):
    pks = [outbox.enqueue("tests.outbox.probe", n, queue=queue) for n in range(3)]
    app.conf.broker_url = REFUSED
    began = time.monotonic()
    assert outbox.flush() is None
    assert time.monotonic() - began < 3
    attempts = dict(OutboxMessage.objects.values_list("pk", "attempts"))
    assert [attempts[pk] for pk in pks] == [1, 0, 0]


@pytest.mark.django_db
def test_flush_after_commit_never_raises(monkeypatch, queue):
    pk = outbox.enqueue("tests.outbox.probe", 1, queue=queue)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(outbox, "flush", broken)
    outbox.flush_soon([pk])  # logged, not raised


@pytest.mark.django_db
def test_old_published_rows_are_removed(queue):
    kept = outbox.enqueue("tests.outbox.probe", 1, queue=queue)
    old = outbox.enqueue("tests.outbox.probe", 2, queue=queue)
    pending = outbox.enqueue("tests.outbox.probe", 3, queue=queue)
    now = timezone.now()
    OutboxMessage.objects.filter(pk=kept).update(published_at=now)
    OutboxMessage.objects.filter(pk=old).update(published_at=now - outbox.KEEP_PUBLISHED * 2)
    assert outbox.purge_published() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {kept, pending}


def test_flush_outbox_runs_every_minute():
    entry = app.conf.beat_schedule["flush-outbox"]
    assert entry["task"] == "cm_portal.tasks.flush_outbox"
    assert entry["schedule"] == 60.0


received: list[int] = []
done = threading.Event()


@app.task(name="tests.outbox.probe")
def probe(value: int) -> None:
    received.append(value)
    done.set()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_job_from_the_outbox(queue):
    received.clear()
    done.clear()
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        with transaction.atomic():
            pk = outbox.enqueue("tests.outbox.probe", 42, queue=queue)
        # Committed: the on-commit flush has published it, and the worker takes it.
        assert done.wait(15), "the worker did not run the job"
    assert received == [42]
    assert OutboxMessage.objects.get(pk=pk).published_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_deadlines_from_the_outbox(queue, sent, alice, hela_manniskan):
    app.loader.import_default_modules()
    if TASK not in app.tasks:
        pytest.skip("plans.tasks.recompute_deadlines is not merged yet")
    from plans.models import Deadline

    participant = register(hela_manniskan, alice)
    for task_id in OutboxMessage.objects.values_list("task_id", flat=True):
        sent(task_id)  # the registration's message, published on commit: removed afterwards
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        with transaction.atomic():
            outbox.enqueue(TASK, participant.pk, queue=queue)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if Deadline.objects.filter(participant=participant).exists():
                break
            time.sleep(0.1)
    assert Deadline.objects.filter(participant=participant).exists()


@pytest.mark.django_db(transaction=True)
def test_a_pending_row_reused_by_an_open_transaction_waits_for_its_commit(queue, sent):
    """A flush must not publish a row a running save has reused: the worker would then read
    the case data without that save and never be asked again."""
    app.conf.broker_url = REFUSED
    pk = outbox.enqueue("tests.outbox.probe", 7, dedupe_key="probe:7", queue=queue)
    assert OutboxMessage.objects.get(pk=pk).attempts == 1  # tried on commit, still pending
    app.conf.broker_url = settings.CELERY_BROKER_URL
    outbox.resume()
    reused, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def save() -> None:
        try:
            with transaction.atomic():
                seen.append(outbox.enqueue("tests.outbox.probe", 7, dedupe_key="probe:7"))
                reused.set()
                release.wait(10)
        finally:
            from django.db import connection

            connection.close()

    worker = threading.Thread(target=save)
    worker.start()
    try:
        assert reused.wait(10)
        assert outbox.flush() == 0  # locked by the open save: skipped, not waited for
    finally:
        release.set()
        worker.join(10)
    assert seen == [pk]
    # The save committed and its on-commit flush published the row once.
    row = OutboxMessage.objects.get(pk=pk)
    assert row.published_at is not None
    assert len(sent(row.task_id, queue)) == 1


# One broker connection per process (issue 21: a new one per contact cost about 7 ms).


@pytest.fixture
def connections_opened(monkeypatch):
    """How many broker connections the outbox opened; the shared one is dropped first."""
    outbox.drop_connection()
    opened = []
    original = outbox._publishing_connection

    def counting(celery_app):
        opened.append(celery_app.conf.broker_url)
        return original(celery_app)

    monkeypatch.setattr(outbox, "_publishing_connection", counting)
    yield opened
    outbox.drop_connection()


@pytest.mark.django_db
def test_many_saves_publish_over_one_shared_connection(
    django_capture_on_commit_callbacks, connections_opened, sent, participant, alice, hela_manniskan
):
    others = [register(hela_manniskan, alice, display_name=f"P{n}") for n in range(4)]
    OutboxMessage.objects.filter(published_at__isnull=True).delete()
    for person in [participant, *others]:
        with django_capture_on_commit_callbacks(execute=True):
            log_contact(person, alice)

    rows = OutboxMessage.objects.filter(task_name=TASK, published_at__isnull=False)
    assert rows.count() == 5
    assert all(len(sent(row.task_id)) == 1 for row in rows)
    assert connections_opened == [app.conf.broker_url]


@pytest.mark.django_db
def test_a_stale_shared_connection_is_replaced_and_the_job_still_goes(
    connections_opened, queue, sent, monkeypatch
):
    outbox.enqueue("tests.outbox.probe", 1, queue=queue)
    assert outbox.flush() == 1
    # The broker restarted: the kept connection fails its next publish.
    stale = outbox._shared["connection"]
    publish = outbox._publish

    def failing_on_the_stale_one(celery_app, connection, row):
        if connection is stale:
            raise ConnectionResetError("the broker went away")
        publish(celery_app, connection, row)

    monkeypatch.setattr(outbox, "_publish", failing_on_the_stale_one)
    outbox.enqueue("tests.outbox.probe", 2, queue=queue)
    assert outbox.flush() == 1
    rows = OutboxMessage.objects.order_by("pk")
    assert [len(sent(row.task_id, queue)) for row in rows] == [1, 1]
    assert len(connections_opened) == 2


@pytest.mark.django_db
def test_a_forked_process_opens_its_own_connection(connections_opened, queue, sent):
    outbox.enqueue("tests.outbox.probe", 1, queue=queue)
    assert outbox.flush() == 1
    outbox._shared["pid"] = -1  # as a gunicorn or Celery child sees its parent's
    outbox.enqueue("tests.outbox.probe", 2, queue=queue)
    assert outbox.flush() == 1
    assert len(connections_opened) == 2
    assert outbox._shared["pid"] == os.getpid()
