"""Reminders: the three stages on the right days, once under a double or concurrent run, the
catch-up rule, who gets them, and e-mails sent once without personal data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from guardian.shortcuts import assign_perm, remove_perm

from plans import tasks
from plans.models import Deadline, DeadlineKind, Reminder, ReminderStage
from plans.services import reminders as services
from plans.services.deadlines import deadlines_recompute
from tests.helpers import at_the_same_time

from .test_deadlines_helpers import DISPLAY_NAME, end, participant_from

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

START = date(2026, 1, 5)
BASELINE_DUE = START + timedelta(days=14)  # window opens on START
WINDOW, SEVEN, OVERDUE = (
    ReminderStage.WINDOW_OPENED,
    ReminderStage.SEVEN_DAYS_BEFORE,
    ReminderStage.FIRST_DAY_OVERDUE,
)


def _day(participant, today):
    deadlines_recompute(participant_id=participant.pk, today=today)
    return services.reminders_create(today=today)


def _baseline_reminders(participant):
    return list(
        Reminder.objects.filter(
            deadline__participant=participant, deadline__kind=DeadlineKind.BASELINE_RATING
        )
        .order_by("created_at", "id")
        .values_list("stage", "recipient__email")
    )


def test_the_three_stages_come_on_their_days_and_once_each(request):
    participant = participant_from(request.getfixturevalue, start=START)
    created_on: dict[str, date] = {}
    day = START - timedelta(days=3)
    while day <= BASELINE_DUE + timedelta(days=10):
        before = set(Reminder.objects.values_list("stage", flat=True))
        with time_machine.travel(day, tick=False):
            _day(participant, day)
        for stage in set(Reminder.objects.values_list("stage", flat=True)) - before:
            created_on[stage] = day
        day += timedelta(days=1)

    assert created_on == {
        WINDOW: START,
        SEVEN: BASELINE_DUE - timedelta(days=7),
        OVERDUE: BASELINE_DUE + timedelta(days=1),
    }
    assert _baseline_reminders(participant) == [
        (WINDOW, "alice@hela.example"),
        (SEVEN, "alice@hela.example"),
        (OVERDUE, "alice@hela.example"),
    ]


def test_a_met_deadline_gets_no_further_reminders(request):
    from .test_deadlines_helpers import rating

    participant = participant_from(request.getfixturevalue, start=START)
    _day(participant, START)
    rating(participant, START + timedelta(days=2))
    for offset in range(3, 25):
        _day(participant, START + timedelta(days=offset))
    assert _baseline_reminders(participant) == [(WINDOW, "alice@hela.example")]


def test_the_same_call_twice_in_a_row_creates_each_reminder_once(request):
    participant = participant_from(request.getfixturevalue, start=START)
    deadlines_recompute(participant_id=participant.pk, today=START)
    assert services.reminders_create(today=START) == 1
    assert services.reminders_create(today=START) == 0
    assert Reminder.objects.count() == 1


def test_a_double_run_of_the_task_sends_each_reminder_and_e_mail_once(request):
    participant = participant_from(request.getfixturevalue, start=START)
    with time_machine.travel(START, tick=False):
        tasks.recompute_deadlines(participant.pk)
        assert tasks.send_reminders() == 1
        assert tasks.send_reminders() == 0
    assert Reminder.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_create_each_reminder_once(request):
    f = request.getfixturevalue
    participants = [participant_from(f, start=START) for _ in range(5)]
    for participant in participants:
        deadlines_recompute(participant_id=participant.pk, today=START)
    errors = at_the_same_time(lambda: services.reminders_create(today=START), threads=2)
    assert not errors
    # Not luck, a constraint: five reminders in all, whoever wrote them.
    assert Reminder.objects.count() == 5
    assert Reminder.objects.filter(stage=WINDOW).values("deadline").distinct().count() == 5


def test_catch_up_sends_only_the_latest_stage(request):
    f = request.getfixturevalue
    # First seen 3 days before the due date: "7 days left" only, never "window opened".
    late_seen = participant_from(f, start=START)
    _day(late_seen, BASELINE_DUE - timedelta(days=3))
    assert _baseline_reminders(late_seen) == [(SEVEN, "alice@hela.example")]
    # First seen 5 days overdue: "overdue" only.
    overdue_seen = participant_from(f, start=START)
    _day(overdue_seen, BASELINE_DUE + timedelta(days=5))
    assert _baseline_reminders(overdue_seen) == [(OVERDUE, "alice@hela.example")]


def test_long_overdue_deadlines_are_reminded_in_the_portal_but_not_e_mailed(request):
    """Issue 17: the start page lists a deadline however long overdue, so the reminders
    page does too from the first run; only the e-mail about it is left out as noise."""
    participant = participant_from(request.getfixturevalue, start=START)
    limit = BASELINE_DUE + timedelta(days=services.OVERDUE_CATCH_UP_DAYS)
    long_after = limit + timedelta(days=1)
    deadlines_recompute(participant_id=participant.pk, today=long_after)
    services.reminders_send(today=long_after)
    assert ("first_day_overdue", "alice@hela.example") in _baseline_reminders(participant)
    baseline = Reminder.objects.get(
        deadline__participant=participant, deadline__kind=DeadlineKind.BASELINE_RATING
    )
    assert baseline.emailed_at is None


def test_an_overdue_reminder_within_the_catch_up_days_is_e_mailed(request):
    participant = participant_from(request.getfixturevalue, start=START)
    limit = BASELINE_DUE + timedelta(days=services.OVERDUE_CATCH_UP_DAYS)
    deadlines_recompute(participant_id=participant.pk, today=limit)
    services.reminders_send(today=limit)
    baseline = Reminder.objects.get(
        deadline__participant=participant, deadline__kind=DeadlineKind.BASELINE_RATING
    )
    assert baseline.emailed_at is not None


def test_after_the_first_night_every_deadline_on_the_start_page_has_a_reminder(request):
    """The two pages never contradict each other: what the start page lists as open or
    overdue, the reminders page holds after one nightly run, however late it is seen."""
    from plans.selectors.deadlines import deadlines_due_for, reminders_for

    f = request.getfixturevalue
    today = START + timedelta(days=200)
    for start in (START, START + timedelta(days=150), today - timedelta(days=3)):
        participant = participant_from(f, start=start)
        deadlines_recompute(participant_id=participant.pk, today=today)
    alice = f("alice")
    due = set(deadlines_due_for(alice, today=today).values_list("pk", flat=True))
    assert due, "the scenario must have deadlines on the start page"
    assert not set(reminders_for(alice).values_list("deadline_id", flat=True))
    services.reminders_send(today=today)
    assert set(reminders_for(alice).values_list("deadline_id", flat=True)) >= due


def test_reminders_do_not_wait_for_the_nightly_recompute(request):
    participant = participant_from(request.getfixturevalue, start=START)
    deadlines_recompute(participant_id=participant.pk, today=START - timedelta(days=5))
    assert Deadline.objects.get(participant=participant, kind="baseline_rating").state == "upcoming"
    # Stored as upcoming, but by today's date the window is open.
    assert services.reminders_create(today=START) == 1


def test_every_assigned_case_manager_is_reminded(request):
    f = request.getfixturevalue
    participant = participant_from(f, start=START)
    assign_perm("change_participant", f("bob"), participant)
    _day(participant, START)
    assert sorted(email for _stage, email in _baseline_reminders(participant)) == [
        "alice@hela.example",
        "bob@hela.example",
    ]


def test_the_team_lead_is_reminded_when_nobody_is_assigned(request):
    f = request.getfixturevalue
    f("tess")
    f("charlie")  # a team lead elsewhere would not be; charlie is another organisation
    participant = participant_from(f, start=START)
    remove_perm("change_participant", f("alice"), participant)
    _day(participant, START)
    assert _baseline_reminders(participant) == [(WINDOW, "tess@hela.example")]


def test_inactive_case_managers_are_not_reminded_and_the_team_lead_steps_in(request):
    f = request.getfixturevalue
    f("tess")
    participant = participant_from(f, start=START)
    alice = f("alice")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    _day(participant, START)
    assert _baseline_reminders(participant) == [(WINDOW, "tess@hela.example")]


def test_no_reminders_for_an_ended_participant(request):
    participant = participant_from(request.getfixturevalue, start=START)
    end(participant, START + timedelta(days=20))
    deadlines_recompute(participant_id=participant.pk, today=START + timedelta(days=20))
    assert services.reminders_create(today=START + timedelta(days=21)) == 0


def test_e_mails_are_sent_once_without_personal_data(request, settings):
    settings.SITE_URL = "https://cm.example.se"
    participant = participant_from(request.getfixturevalue, start=START)
    with time_machine.travel(BASELINE_DUE + timedelta(days=1), tick=False):
        tasks.recompute_deadlines(participant.pk)
        result = services.reminders_send()
    assert (result.created, result.emailed) == (1, 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@hela.example"]
    text = f"{message.subject}\n{message.body}"
    for personal in (
        DISPLAY_NAME,
        "Kim",
        participant.reference,
        str(participant.pk),
        START.isoformat(),
        BASELINE_DUE.isoformat(),
        "Alice",
    ):
        assert personal not in text
    assert "https://cm.example.se/" in message.body
    assert Reminder.objects.get().emailed_at is not None

    with time_machine.travel(BASELINE_DUE + timedelta(days=1), tick=False):
        assert services.reminders_send() == services.SendResult(created=0, emailed=0)
    assert len(mail.outbox) == 1


def test_the_e_mail_names_the_kind_and_stage(request):
    participant = participant_from(request.getfixturevalue, start=START)
    _day(participant, START)
    reminder = Reminder.objects.get()
    with translation.override("en"):
        subject, body = services.reminder_email(reminder)
    # Rendered in the site language (Swedish first); the words may still be English until
    # the lead's translation, so compare with the labels in that language.
    with translation.override("sv"):
        assert str(DeadlineKind.BASELINE_RATING.label) in body
        assert str(WINDOW.label) in body
    assert subject


def test_a_failed_e_mail_is_released_for_the_next_run(request, monkeypatch):
    participant = participant_from(request.getfixturevalue, start=START)
    _day(participant, START)

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(ConnectionRefusedError):
        services.reminders_email()
    assert Reminder.objects.get().emailed_at is None
    monkeypatch.undo()
    assert services.reminders_email() == 1
    assert len(mail.outbox) == 1


def test_an_e_mail_claimed_by_another_worker_is_not_sent_again(request, monkeypatch):
    participant = participant_from(request.getfixturevalue, start=START)
    _day(participant, START)
    reminder = Reminder.objects.get()
    real_claim = services._claim

    def claimed_meanwhile(pk):
        assert real_claim(pk)  # the other worker
        return real_claim(pk)

    monkeypatch.setattr(services, "_claim", claimed_meanwhile)
    assert services.reminders_email() == 0
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.emailed_at is not None


def test_no_e_mail_for_a_deadline_met_before_the_mail_went_out(request):
    from .test_deadlines_helpers import rating

    participant = participant_from(request.getfixturevalue, start=START)
    _day(participant, START)
    rating(participant, START)
    deadlines_recompute(participant_id=participant.pk, today=START)
    assert services.reminders_email() == 0
    assert mail.outbox == []
