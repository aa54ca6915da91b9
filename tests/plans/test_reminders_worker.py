"""A real Celery worker on the real Redis recomputes deadlines and sends the reminders
(as tests/cm_portal/test_celery.py does)."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from cm_portal.celery import app
from plans import tasks
from plans.models import Deadline, DeadlineKind, Reminder, ReminderStage
from tests.helpers import wait_for

from .test_deadlines_helpers import participant_from, rating


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_and_reminds_once(request, queue):
    # Started today: the baseline self-rating window opens today.
    participant = participant_from(request.getfixturevalue, start=timezone.localdate())
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        tasks.recompute_deadlines.apply_async((participant.pk,), queue=queue)
        assert wait_for(lambda: Deadline.objects.filter(participant=participant).exists())
        # Twice, as after a worker that died before acknowledging: still one reminder.
        tasks.send_reminders.apply_async(queue=queue)
        tasks.send_reminders.apply_async(queue=queue)
        assert wait_for(lambda: Reminder.objects.filter(emailed_at__isnull=False).exists())
        # One worker, one task at a time, in order: once a third task is done, so is the
        # second run.
        rating(participant, timezone.localdate())
        tasks.recompute_deadlines.apply_async((participant.pk,), queue=queue)
        assert wait_for(
            lambda: Deadline.objects.filter(
                participant=participant, kind=DeadlineKind.BASELINE_RATING, state="met"
            ).exists()
        )

    reminder = Reminder.objects.get()
    assert (reminder.deadline.kind, reminder.stage) == (
        DeadlineKind.BASELINE_RATING,
        ReminderStage.WINDOW_OPENED,
    )
    assert reminder.recipient.email == "alice@hela.example"
    assert len(mail.outbox) == 1


def test_the_beat_schedule_runs_the_nightly_recompute_before_the_reminders():
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    recompute = schedule["recompute-all-deadlines"]
    send = schedule["send-reminders"]
    assert recompute["task"] == tasks.recompute_all_deadlines.name
    assert send["task"] == tasks.send_reminders.name
    assert {recompute["task"], send["task"]} <= set(app.tasks)
    assert min(recompute["schedule"].hour) < min(send["schedule"].hour)
