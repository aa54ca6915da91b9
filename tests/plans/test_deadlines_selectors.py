"""The reads the start pages use: what is due for whom, most urgent first, in a fixed number
of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import remove_perm

from plans.models import DeadlineKind, Reminder, ReminderStage
from plans.selectors.deadlines import (
    deadlines_by_case_manager,
    deadlines_due_for,
    reminders_for,
    unread_reminders_count,
)
from plans.services.deadlines import deadlines_recompute
from plans.services.reminders import reminders_create

from .test_deadlines_helpers import participant_from

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


def _participant(f, start, by="alice"):
    participant = participant_from(f, start=start, by=by)
    deadlines_recompute(participant_id=participant.pk, today=TODAY)
    return participant


def test_due_deadlines_most_urgent_first_and_only_open_or_overdue(request):
    f = request.getfixturevalue
    # Started 2026-02-01: baseline overdue (due 02-15), plan open (window 03-01, due 03-29).
    early = _participant(f, date(2026, 2, 1))
    # Started 2026-01-05: baseline overdue (due 01-19), plan overdue (due 03-02), D3 upcoming.
    earlier = _participant(f, date(2026, 1, 5))
    # Started today: the baseline window opens today (open, due 03-24).
    new = _participant(f, TODAY)

    due = list(deadlines_due_for(f("alice"), today=TODAY))
    assert [(d.participant_id, d.kind, d.due_on) for d in due] == [
        (earlier.pk, DeadlineKind.BASELINE_RATING, date(2026, 1, 19)),
        (early.pk, DeadlineKind.BASELINE_RATING, date(2026, 2, 15)),
        (earlier.pk, DeadlineKind.PLAN, date(2026, 3, 2)),
        (new.pk, DeadlineKind.BASELINE_RATING, date(2026, 3, 24)),
        (early.pk, DeadlineKind.PLAN, date(2026, 3, 29)),
    ]
    assert [d.urgency for d in due] == [0, 0, 0, 1, 1]


def test_due_deadlines_are_scoped_to_those_the_user_may_change(request):
    f = request.getfixturevalue
    _participant(f, date(2026, 2, 1))
    assert deadlines_due_for(f("alice"), today=TODAY).count() == 2
    assert deadlines_due_for(f("tess"), today=TODAY).count() == 2
    for stranger in ("bob", "charlie", "steve", "ada"):
        assert deadlines_due_for(f(stranger), today=TODAY).count() == 0


def test_due_deadlines_need_a_fixed_number_of_queries(request):
    f = request.getfixturevalue
    alice = f("alice")

    def queries():
        with CaptureQueriesContext(connection) as context:
            for deadline in deadlines_due_for(alice, today=TODAY):
                _ = (deadline.participant.reference, deadline.participant.organisation.name)
        return len(context.captured_queries)

    _participant(f, date(2026, 2, 1))
    one = queries()
    for offset in range(4):
        _participant(f, date(2026, 1, 5) + timedelta(days=offset))
    assert queries() == one == 1


def test_by_case_manager_groups_the_organisation_and_keeps_the_unassigned_last(request):
    f = request.getfixturevalue
    alices = _participant(f, date(2026, 2, 1))
    bobs = _participant(f, date(2026, 2, 1), by="bob")
    nobodys = _participant(f, date(2026, 2, 1), by="bob")
    remove_perm("change_participant", f("bob"), nobodys)
    f("charlie")
    tess = f("tess")

    with CaptureQueriesContext(connection) as context:
        groups = deadlines_by_case_manager(tess, today=TODAY)
    assert len(context.captured_queries) == 2
    assert [(manager.email if manager else None) for manager, _rows in groups] == [
        "alice@hela.example",
        "bob@hela.example",
        None,
    ]
    assert {d.participant_id for d in groups[0][1]} == {alices.pk}
    assert {d.participant_id for d in groups[1][1]} == {bobs.pk}
    assert {d.participant_id for d in groups[2][1]} == {nobodys.pk}
    assert deadlines_by_case_manager(f("alice"), today=TODAY) == []


def test_reminders_and_the_unread_count(request):
    f = request.getfixturevalue
    _participant(f, TODAY)
    reminders_create(today=TODAY)
    alice = f("alice")
    assert unread_reminders_count(alice) == 1
    assert unread_reminders_count(f("bob")) == 0
    reminder = reminders_for(alice).get()
    assert reminder.stage == ReminderStage.WINDOW_OPENED
    Reminder.objects.filter(pk=reminder.pk).update(read_at=timezone.now())
    assert unread_reminders_count(alice) == 0
    assert reminders_for(alice).count() == 1


def test_reminders_about_someone_no_longer_assigned_are_not_shown(request):
    f = request.getfixturevalue
    participant = _participant(f, TODAY)
    reminders_create(today=TODAY)
    remove_perm("change_participant", f("alice"), participant)
    assert reminders_for(f("alice")).count() == 0
    assert unread_reminders_count(f("alice")) == 0
