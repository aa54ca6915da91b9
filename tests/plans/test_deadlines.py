"""Deadlines (docs/kpis.md "Deadlines"): each kind through its states, the edge dates, and a
recomputation that gives the same rows twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from plans import tasks
from plans.models import Deadline, DeadlineKind, DeadlineState
from plans.services.deadlines import (
    deadlines_for,
    deadlines_recompute,
    deadlines_recompute_all,
)
from tests.helpers import at_the_same_time

from .test_deadlines_helpers import (
    consent,
    contact,
    crisis_plan,
    end,
    establish_plan,
    meeting,
    participant_from,
    rating,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

UPCOMING, OPEN, MET, OVERDUE, VOID = (
    DeadlineState.UPCOMING,
    DeadlineState.OPEN,
    DeadlineState.MET,
    DeadlineState.OVERDUE,
    DeadlineState.VOID,
)
START = date(2026, 1, 5)
D2 = date(2026, 3, 2)  # START + 56 days
D2_WINDOW = date(2026, 2, 2)  # START + 28 days


def one(participant, kind, *, today, subject_id=0):
    values = [
        v
        for v in deadlines_for(participant, today=today)
        if v.kind == kind and v.subject_id == subject_id
    ]
    assert len(values) == 1, values
    return values[0]


def states(participant, kind, days, subject_id=0):
    return [one(participant, kind, today=day, subject_id=subject_id).state for day in days]


# --- the plan, D2 -------------------------------------------------------------------------


def test_plan_deadline_dates_and_states_across_the_calendar(request):
    participant = participant_from(request.getfixturevalue, start=START)
    value = one(participant, DeadlineKind.PLAN, today=START)
    assert (value.window_opens, value.due_on) == (D2_WINDOW, D2)
    days = [D2_WINDOW - timedelta(days=1), D2_WINDOW, D2, D2 + timedelta(days=1)]
    assert states(participant, DeadlineKind.PLAN, days) == [UPCOMING, OPEN, OPEN, OVERDUE]


def test_plan_established_on_day_56_is_met_and_on_day_57_met_late(request):
    participant = participant_from(request.getfixturevalue, start=START)
    establish_plan(participant, D2)
    value = one(participant, DeadlineKind.PLAN, today=D2)
    assert (value.state, value.met_on) == (MET, D2)

    establish_plan(participant, D2 + timedelta(days=1))
    # On day 56 it is not established yet: open; from day 57 it is met, late (the KPI judges).
    assert one(participant, DeadlineKind.PLAN, today=D2).state == OPEN
    late = one(participant, DeadlineKind.PLAN, today=D2 + timedelta(days=1))
    assert (late.state, late.met_on) == (MET, date(2026, 3, 3))
    assert late.met_on > late.due_on


def test_a_plan_not_established_does_not_meet_the_deadline(request):
    participant = participant_from(request.getfixturevalue, start=START)
    establish_plan(participant, None)
    assert one(participant, DeadlineKind.PLAN, today=D2 + timedelta(days=5)).state == OVERDUE


def test_ended_before_the_due_date_is_void_and_on_the_due_date_is_not(request):
    f = request.getfixturevalue
    before = participant_from(f, start=START, end=D2 - timedelta(days=1))
    on_due = participant_from(f, start=START, end=D2)
    later = D2 + timedelta(days=30)
    assert one(before, DeadlineKind.PLAN, today=later).state == VOID
    assert one(on_due, DeadlineKind.PLAN, today=later).state == OVERDUE
    # Met before the end stays met.
    establish_plan(before, D2 - timedelta(days=3))
    assert one(before, DeadlineKind.PLAN, today=later).state == MET


# --- the crisis plan ----------------------------------------------------------------------


def test_crisis_plan_only_for_crisis_relevant_participants(request):
    f = request.getfixturevalue
    plain = participant_from(f, start=START)
    kinds = {v.kind for v in deadlines_for(plain, today=START)}
    assert DeadlineKind.CRISIS_PLAN not in kinds
    assert kinds == {DeadlineKind.PLAN, DeadlineKind.THREE_MONTHS, DeadlineKind.BASELINE_RATING}


def test_crisis_plan_needs_a_chain_link_to_be_met(request):
    participant = participant_from(request.getfixturevalue, start=START, crisis=True)
    days = [D2_WINDOW - timedelta(days=1), D2_WINDOW, D2, D2 + timedelta(days=1)]
    assert states(participant, DeadlineKind.CRISIS_PLAN, days) == [
        UPCOMING,
        OPEN,
        OPEN,
        OVERDUE,
    ]
    crisis_plan(participant, D2, links=0)
    assert one(participant, DeadlineKind.CRISIS_PLAN, today=D2).state == OPEN
    crisis_plan(participant, D2, links=1)
    value = one(participant, DeadlineKind.CRISIS_PLAN, today=D2)
    assert (value.state, value.met_on) == (MET, D2)


# --- the 3-month date, D3 -----------------------------------------------------------------


def test_three_month_date_at_the_end_of_the_month(request):
    participant = participant_from(request.getfixturevalue, start=date(2026, 11, 30))
    value = one(participant, DeadlineKind.THREE_MONTHS, today=date(2026, 12, 1))
    assert value.due_on == date(2027, 2, 28)
    assert value.window_opens == date(2027, 2, 14)
    days = [date(2027, 2, 13), date(2027, 2, 14), date(2027, 2, 28), date(2027, 3, 1)]
    assert states(participant, DeadlineKind.THREE_MONTHS, days) == [
        UPCOMING,
        OPEN,
        OPEN,
        OVERDUE,
    ]


def test_three_months_met_when_every_due_contact_is_completed(request):
    participant = participant_from(request.getfixturevalue, start=date(2026, 11, 30))
    d3 = date(2027, 2, 28)
    # No contact at all is not met.
    assert one(participant, DeadlineKind.THREE_MONTHS, today=d3).state == OPEN
    contact(participant, date(2027, 1, 10), completed_on=date(2027, 1, 12))
    pending = contact(participant, date(2027, 2, 20))
    contact(participant, date(2027, 2, 1), cancelled=True)  # not due
    contact(participant, date(2027, 4, 1))  # planned after D3, not completed: not due
    assert one(participant, DeadlineKind.THREE_MONTHS, today=d3).state == OPEN
    assert one(participant, DeadlineKind.THREE_MONTHS, today=date(2027, 3, 1)).state == OVERDUE

    pending.status, pending.completed_on = "completed", date(2027, 2, 25)
    pending.save()
    value = one(participant, DeadlineKind.THREE_MONTHS, today=d3)
    assert (value.state, value.met_on) == (MET, date(2027, 2, 25))


def test_three_months_only_contacts_completed_by_d3_count_when_planned_later(request):
    participant = participant_from(request.getfixturevalue, start=date(2026, 11, 30))
    # Planned after D3 but completed before it: due, and done.
    contact(participant, date(2027, 3, 10), completed_on=date(2027, 2, 20))
    value = one(participant, DeadlineKind.THREE_MONTHS, today=date(2027, 3, 1))
    assert (value.state, value.met_on) == (MET, date(2027, 2, 20))


def test_three_months_completed_after_d3_is_met_late(request):
    participant = participant_from(request.getfixturevalue, start=date(2026, 11, 30))
    contact(participant, date(2027, 2, 20), completed_on=date(2027, 3, 5))
    assert one(participant, DeadlineKind.THREE_MONTHS, today=date(2027, 3, 4)).state == OVERDUE
    late = one(participant, DeadlineKind.THREE_MONTHS, today=date(2027, 3, 5))
    assert (late.state, late.met_on) == (MET, date(2027, 3, 5))


# --- the baseline self-rating -------------------------------------------------------------


def test_baseline_rating_window_opens_at_start_and_is_due_two_weeks_later(request):
    participant = participant_from(request.getfixturevalue, start=START)
    due = START + timedelta(days=14)
    days = [START - timedelta(days=1), START, due, due + timedelta(days=1)]
    assert states(participant, DeadlineKind.BASELINE_RATING, days) == [
        UPCOMING,
        OPEN,
        OPEN,
        OVERDUE,
    ]
    rating(participant, START + timedelta(days=20), phase="follow_up")  # not a baseline
    rating(participant, START + timedelta(days=9))
    rating(participant, START + timedelta(days=4))
    value = one(participant, DeadlineKind.BASELINE_RATING, today=due)
    assert (value.state, value.met_on) == (MET, START + timedelta(days=4))


# --- consent renewal ----------------------------------------------------------------------


def test_consent_renewal_states_and_a_renewal_naming_the_same_organisations(request):
    f = request.getfixturevalue
    participant = participant_from(f, start=START)
    until = date(2026, 12, 31)
    first = consent(
        f,
        participant,
        signed_on=START,
        valid_until=until,
        organisations=("hela_manniskan", "district"),
    )
    kind = DeadlineKind.CONSENT_RENEWAL
    value = one(participant, kind, today=START, subject_id=first.pk)
    assert (value.window_opens, value.due_on) == (date(2026, 12, 1), until)
    days = [date(2026, 11, 30), date(2026, 12, 1), until, date(2027, 1, 1)]
    assert states(participant, kind, days, subject_id=first.pk) == [UPCOMING, OPEN, OPEN, OVERDUE]

    # A renewal naming fewer organisations does not renew it; a withdrawn one neither.
    consent(f, participant, signed_on=date(2026, 12, 5), valid_until=None)
    consent(
        f,
        participant,
        signed_on=date(2026, 12, 6),
        valid_until=None,
        organisations=("hela_manniskan", "district"),
        withdrawn_on=date(2026, 12, 7),
    )
    assert one(participant, kind, today=until, subject_id=first.pk).state == OPEN
    consent(
        f,
        participant,
        signed_on=date(2026, 12, 10),
        valid_until=None,
        organisations=("district", "hela_manniskan"),
    )
    value = one(participant, kind, today=until, subject_id=first.pk)
    assert (value.state, value.met_on) == (MET, date(2026, 12, 10))


def test_only_consents_with_a_valid_until_have_a_renewal_deadline(request):
    f = request.getfixturevalue
    participant = participant_from(f, start=START)
    consent(f, participant, signed_on=START, valid_until=None)
    assert not [
        v for v in deadlines_for(participant, today=START) if v.kind == DeadlineKind.CONSENT_RENEWAL
    ]


def test_a_withdrawn_consent_has_a_void_renewal_deadline(request):
    f = request.getfixturevalue
    participant = participant_from(f, start=START)
    withdrawn = consent(
        f,
        participant,
        signed_on=START,
        valid_until=date(2026, 6, 30),
        withdrawn_on=date(2026, 3, 1),
    )
    value = one(
        participant, DeadlineKind.CONSENT_RENEWAL, today=date(2026, 7, 5), subject_id=withdrawn.pk
    )
    assert value.state == VOID


# --- meeting invitations ------------------------------------------------------------------


def test_meeting_invitation_due_14_days_before_and_open_from_booking(request):
    participant = participant_from(request.getfixturevalue, start=START)
    booked = meeting(participant, meeting_on=date(2026, 5, 20), booked_on=date(2026, 4, 1))
    kind = DeadlineKind.MEETING_INVITATION
    value = one(participant, kind, today=date(2026, 4, 1), subject_id=booked.pk)
    assert (value.window_opens, value.due_on) == (date(2026, 4, 1), date(2026, 5, 6))
    days = [date(2026, 3, 31), date(2026, 4, 1), date(2026, 5, 6), date(2026, 5, 7)]
    assert states(participant, kind, days, subject_id=booked.pk) == [
        UPCOMING,
        OPEN,
        OPEN,
        OVERDUE,
    ]
    booked.invitation_sent_on = date(2026, 5, 4)
    booked.save()
    value = one(participant, kind, today=date(2026, 5, 7), subject_id=booked.pk)
    assert (value.state, value.met_on) == (MET, date(2026, 5, 4))


def test_a_cancelled_meeting_has_a_void_invitation_deadline(request):
    participant = participant_from(request.getfixturevalue, start=START)
    cancelled = meeting(
        participant, meeting_on=date(2026, 5, 20), booked_on=date(2026, 4, 1), status="cancelled"
    )
    value = one(
        participant,
        DeadlineKind.MEETING_INVITATION,
        today=date(2026, 5, 10),
        subject_id=cancelled.pk,
    )
    assert value.state == VOID


def test_a_meeting_booked_less_than_14_days_ahead_opens_on_its_due_date(request):
    participant = participant_from(request.getfixturevalue, start=START)
    late = meeting(participant, meeting_on=date(2026, 5, 20), booked_on=date(2026, 5, 15))
    value = one(
        participant, DeadlineKind.MEETING_INVITATION, today=date(2026, 5, 15), subject_id=late.pk
    )
    assert (value.window_opens, value.due_on, value.state) == (
        date(2026, 5, 6),
        date(2026, 5, 6),
        OVERDUE,
    )


# --- stored rows --------------------------------------------------------------------------


def _rows(participant):
    return list(
        Deadline.objects.filter(participant=participant)
        .order_by("kind", "subject_id")
        .values_list("id", "kind", "subject_id", "window_opens", "due_on", "state", "met_on")
    )


def test_recompute_twice_gives_the_same_rows(request):
    f = request.getfixturevalue
    participant = participant_from(f, start=START, crisis=True)
    consent(f, participant, signed_on=START, valid_until=date(2026, 12, 31))
    meeting(participant, meeting_on=date(2026, 5, 20), booked_on=date(2026, 4, 1))
    rating(participant, START)
    today = date(2026, 4, 10)

    assert deadlines_recompute(participant_id=participant.pk, today=today) == 6
    first = _rows(participant)
    assert deadlines_recompute(participant_id=participant.pk, today=today) == 0
    assert _rows(participant) == first
    assert {row[5] for row in first} == {MET, OVERDUE, OPEN, UPCOMING}


def test_recompute_updates_in_place_and_removes_rows_whose_subject_is_gone(request):
    f = request.getfixturevalue
    participant = participant_from(f, start=START, crisis=True)
    booked = meeting(participant, meeting_on=date(2026, 5, 20), booked_on=date(2026, 4, 1))
    deadlines_recompute(participant_id=participant.pk, today=date(2026, 4, 1))
    plan_row = Deadline.objects.get(participant=participant, kind=DeadlineKind.PLAN)
    assert plan_row.state == OVERDUE

    establish_plan(participant, date(2026, 3, 30))
    booked.delete()
    participant.crisis_relevant = False
    participant.save(update_fields=["crisis_relevant"])
    assert deadlines_recompute(participant_id=participant.pk, today=date(2026, 4, 1)) == 3

    kinds = set(Deadline.objects.filter(participant=participant).values_list("kind", flat=True))
    assert kinds == {DeadlineKind.PLAN, DeadlineKind.THREE_MONTHS, DeadlineKind.BASELINE_RATING}
    updated = Deadline.objects.get(participant=participant, kind=DeadlineKind.PLAN)
    assert (updated.pk, updated.state, updated.met_on) == (plan_row.pk, MET, date(2026, 3, 30))


def test_recompute_of_a_participant_that_is_gone_does_nothing(db):
    assert deadlines_recompute(participant_id=987654, today=START) == 0


def test_stored_states_follow_a_frozen_clock(request):
    participant = participant_from(request.getfixturevalue, start=START)

    def plan_state_on(day):
        with time_machine.travel(day, tick=False):
            tasks.recompute_deadlines(participant.pk)
        return Deadline.objects.get(participant=participant, kind=DeadlineKind.PLAN).state

    assert plan_state_on(date(2026, 2, 1)) == UPCOMING
    assert plan_state_on(D2_WINDOW) == OPEN
    assert plan_state_on(D2) == OPEN
    assert plan_state_on(D2 + timedelta(days=1)) == OVERDUE
    establish_plan(participant, D2 + timedelta(days=2))
    assert plan_state_on(D2 + timedelta(days=2)) == MET
    end(participant, D2 + timedelta(days=3))
    assert plan_state_on(D2 + timedelta(days=10)) == MET


def test_recompute_all_covers_every_participant(request, monkeypatch):
    f = request.getfixturevalue
    monkeypatch.setattr("plans.services.deadlines.RECOMPUTE_ALL_CHUNK", 2)
    participants = [participant_from(f, start=START) for _ in range(5)]
    with time_machine.travel(date(2026, 2, 10), tick=False):
        assert tasks.recompute_all_deadlines() == 15
        assert tasks.recompute_all_deadlines() == 0
    for participant in participants:
        assert Deadline.objects.filter(participant=participant).count() == 3
    assert deadlines_recompute_all(today=date(2026, 3, 3)) == 5  # every plan is now overdue


@pytest.mark.django_db(transaction=True)
def test_concurrent_recomputes_of_one_participant_take_turns(request):
    participant = participant_from(request.getfixturevalue, start=START, crisis=True)
    errors = at_the_same_time(
        lambda: deadlines_recompute(participant_id=participant.pk, today=D2), threads=3
    )
    # Without the participant row lock, two inserts of the same deadline would collide.
    assert errors == []
    assert Deadline.objects.filter(participant=participant).count() == 4
