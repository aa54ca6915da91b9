"""The head of the access log's chain leaves the database each night; a chain is checked
against such a head with ``verify_access_log --expect HASH``.

Spec line 38 (security.md).
"""

# ruff: noqa: S608 -- the table name is our own constant

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import CommandError, call_command

from cm_portal import access_log, tasks
from cm_portal.celery import app
from cm_portal.models import AccessEvent

from ..helpers import wait_for
from .test_access_log import _behind_the_applications_back

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
TABLE = AccessEvent._meta.db_table
NIGHT = datetime(2026, 3, 2, 2, 40, tzinfo=UTC)  # 03:40 in Stockholm


def test_the_head_is_emailed_to_the_administrators_once_a_night(chain, ada, settings):
    settings.ACCESS_LOG_ANCHOR_EMAILS = ["dataskydd@example.se"]
    head = chain[-1]
    rows = AccessEvent.objects.count()
    with time_machine.travel(NIGHT, tick=False) as traveller:
        for _run in range(3):
            tasks.send_access_log_anchor()

        (message,) = mail.outbox
        assert message.to == [ada.email, "dataskydd@example.se"]
        assert head.hash in message.body
        assert f"verify_access_log --expect {head.hash}" in message.body
        assert f": {rows}\n" in message.body
        assert f"{head.at.astimezone(UTC):%Y-%m-%d %H:%M:%S}" in message.body
        assert "alice" not in message.body.lower()
        # The sending is itself in the log, once.
        (sent,) = AccessEvent.objects.filter(action=Action.LOG_ANCHORED)
        assert sent.object_id == "2026-03-02"
        assert head.hash in sent.detail

        traveller.shift(timedelta(days=1))
        tasks.send_access_log_anchor()
        assert len(mail.outbox) == 2
        # The next night's head is the newest row then: the previous night's anchor event.
        assert sent.hash in mail.outbox[1].body


def test_beat_sends_the_anchor_every_night():
    entry = app.conf.beat_schedule["send-access-log-anchor"]
    assert entry["task"] == "cm_portal.tasks.send_access_log_anchor"
    assert entry["schedule"].hour == {3}
    assert entry["schedule"].minute == {40}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_one_email_however_often_the_task_runs(alice, ada, queue, broker):
    access_log.record(action=Action.VIEW, actor=alice, object_type="participant", object_id=1)
    head = access_log.chain_head()

    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        for _run in range(3):
            tasks.send_access_log_anchor.apply_async(queue=queue)
        assert wait_for(lambda: AccessEvent.objects.filter(action=Action.LOG_ANCHORED).exists())
        assert wait_for(lambda: broker.llen(queue) == 0)
    # The worker has stopped, its last task done.

    assert len(mail.outbox) == 1
    assert head.hash in mail.outbox[0].body
    assert AccessEvent.objects.filter(action=Action.LOG_ANCHORED).count() == 1


def test_expect_passes_on_an_intact_chain_that_holds_the_head(chain, capsys):
    head = access_log.chain_head()
    access_log.record(action=Action.VIEW, object_type="participant", object_id=2)

    call_command("verify_access_log", expect=head.hash.upper())

    out = capsys.readouterr().out
    assert f"intact and contains the expected head (access event {head.event_id}" in out
    assert "1 newer than it" in out


def test_expect_fails_when_the_chain_was_rewritten_from_before_the_head(chain):
    head = access_log.chain_head()
    # Someone with the table owner's rights edits the middle row and recomputes every hash
    # after it: the chain alone verifies again.
    previous = chain[0].hash
    for event in AccessEvent.objects.filter(pk__gte=chain[1].pk).order_by("id"):
        if event.pk == chain[1].pk:
            event.object_id = "99"
        event.previous_hash = previous
        event.hash = access_log._event_hash(event)
        _behind_the_applications_back(
            f"UPDATE {TABLE} SET object_id = %s, previous_hash = %s, hash = %s WHERE id = %s",
            [event.object_id, event.previous_hash, event.hash, event.pk],
        )
        previous = event.hash
    assert access_log.verify_chain()[1] is None
    call_command("verify_access_log")  # without the anchor nothing shows

    with pytest.raises(CommandError, match=f"No row of the access log has the hash {head.hash}"):
        call_command("verify_access_log", expect=head.hash)


def test_expect_fails_on_a_broken_chain_even_with_the_head_present(chain):
    head = access_log.chain_head()
    _behind_the_applications_back(f"DELETE FROM {TABLE} WHERE id = %s", [chain[1].pk])

    with pytest.raises(CommandError, match=f"Broken at access event {chain[2].pk}"):
        call_command("verify_access_log", expect=head.hash)


def test_expect_refuses_what_is_not_a_hash(chain):
    with pytest.raises(CommandError, match="64 hexadecimal characters"):
        call_command("verify_access_log", expect="not-a-hash")
