"""A real Celery worker on the real Redis runs the nightly retention task (security.md 21)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from cm_portal.celery import app
from cm_portal.models import AccessEvent
from participants import tasks as participant_tasks
from participants.models import Participant
from tests.helpers import wait_for

from .factories import close_case, register


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_deletes_the_due_case_and_keeps_the_held_one(
    alice, hela_manniskan, queue, monkeypatch
):
    from participants import retention

    # The figures' freezing is tested in test_retention.py; here it would only add time.
    monkeypatch.setattr(retention, "_before_deletion", [])
    due, held = (register(hela_manniskan, alice, display_name=name) for name in ("Due", "Held"))
    for participant in (due, held):
        close_case(
            participant, alice, on=timezone.localdate(), reason_code="moved", reason="Flyttat"
        )
    six_years_ago = timezone.now() - timedelta(days=6 * 366)
    Participant.objects.update(last_entry_at=six_years_ago)
    Participant.objects.filter(pk=held.pk).update(legal_hold=True)

    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
    ):
        participant_tasks.delete_expired_cases.apply_async(queue=queue)
        assert wait_for(lambda: not Participant.objects.filter(pk=due.pk).exists())

    assert list(Participant.objects.values_list("pk", flat=True)) == [held.pk]
    assert AccessEvent.objects.get(action=AccessEvent.Action.DELETE).object_id == str(due.pk)
