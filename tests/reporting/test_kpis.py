"""Every rule and edge case of docs/kpis.md, one table per result goal."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, timedelta

import pytest
from django.db.models import F

from participants.models import Contact, Participant
from plans.deadlines import add_months
from plans.models import CoordinationMeeting
from reporting.kpis import SQLITE_ADD_MONTHS, AddDays, AddMonths, compute_kpis, percent

from .helpers import activity_record, counts, crisis_plan, person, plan, prioritised, rating


def plan_deadline(start: date) -> date:
    """D2 of "Vägledning i Vardagslivet": 56 days after the start."""
    return start + timedelta(days=56)


def three_month_date(start: date) -> date:
    return add_months(start, 3)


pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)
D2 = date(2026, 2, 26)  # start + 56 days
D3 = date(2026, 4, 1)  # start + 3 months
LATER = date(2026, 9, 1)  # a "today" after every deadline above
PLAN_KEYS = ("cohort", "met", "excluded", "pending")


def kpi(name: str, *, period_from: date, period_to: date, today: date = LATER) -> dict:
    return compute_kpis(period_from=period_from, period_to=period_to, today=today)["kpis"][name]


def test_deadlines_in_the_database_match_plans_deadlines(hela_manniskan):
    starts = [date(2024, 1, 1) + timedelta(days=n) for n in range(0, 1100, 1)]
    Participant.objects.bulk_create(
        Participant(
            organisation=hela_manniskan,
            programme=hela_manniskan.programmes.get(),
            reference=f"D-{n}",
            birth_year=2000,
            gender="man",
            entry_path="other",
            intervention_start=start,
        )
        for n, start in enumerate(starts)
    )
    rows = Participant.objects.annotate(
        d2=AddDays(F("intervention_start"), 56), d3=AddMonths(F("intervention_start"), 3)
    ).values_list("intervention_start", "d2", "d3")
    for start, d2, d3 in rows:
        assert (d2, d3) == (plan_deadline(start), three_month_date(start)), start


@pytest.mark.parametrize(
    ("start", "d3"),
    [
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2026, 1, 31), date(2026, 4, 30)),
        (date(2027, 11, 30), date(2028, 2, 29)),
        (date(2026, 1, 1), date(2026, 4, 1)),
    ],
)
def test_three_month_date_is_clamped_to_the_months_end(hela_manniskan, start, d3):
    person(hela_manniskan, start=start)
    on_d3 = kpi(
        "prioritised_contacts_3_months", period_from=d3, period_to=d3, today=date(2029, 1, 1)
    )
    day_after = d3 + timedelta(days=1)
    after = kpi(
        "prioritised_contacts_3_months",
        period_from=day_after,
        period_to=day_after,
        today=date(2029, 1, 1),
    )
    assert (on_d3["cohort"], after["cohort"]) == (1, 0)


# K2 ---------------------------------------------------------------------------------------

K2_CASES = {
    "established on day 56 is met": (dict(), D2, LATER, (1, 1, 0, 0)),
    "established on day 57 is not": (dict(), D2 + timedelta(days=1), LATER, (1, 0, 0, 0)),
    "established on the start day": (dict(), START, LATER, (1, 1, 0, 0)),
    "no plan": (dict(), "none", LATER, (1, 0, 0, 0)),
    "a plan not yet established": (dict(), None, LATER, (1, 0, 0, 0)),
    "ended before D2 without a plan is excluded": (
        dict(end=date(2026, 2, 10)),
        "none",
        LATER,
        (0, 0, 1, 0),
    ),
    "ended before D2 with a plan not established is excluded": (
        dict(end=date(2026, 2, 10)),
        None,
        LATER,
        (0, 0, 1, 0),
    ),
    "ended before D2, plan established by the end date, counts and is met": (
        dict(end=date(2026, 2, 10)),
        date(2026, 2, 10),
        LATER,
        (1, 1, 0, 0),
    ),
    "ended before D2, plan established after the end date, is excluded": (
        dict(end=date(2026, 2, 10)),
        date(2026, 2, 11),
        LATER,
        (0, 0, 1, 0),
    ),
    "ended on D2 without a plan is in the cohort": (dict(end=D2), "none", LATER, (1, 0, 0, 0)),
    "D2 not passed and no plan yet: pending": (dict(), "none", date(2026, 2, 20), (0, 0, 0, 1)),
    "D2 is today and no plan yet: pending": (dict(), "none", D2, (0, 0, 0, 1)),
    "D2 passed yesterday, no plan: in the cohort": (
        dict(),
        "none",
        D2 + timedelta(days=1),
        (1, 0, 0, 0),
    ),
    "D2 not passed but already established: met": (
        dict(),
        date(2026, 2, 1),
        date(2026, 2, 20),
        (1, 1, 0, 0),
    ),
    "D2 not passed, ended without a plan: excluded, not pending": (
        dict(end=date(2026, 2, 10)),
        "none",
        date(2026, 2, 20),
        (0, 0, 1, 0),
    ),
}


@pytest.mark.parametrize(
    ("extra", "established", "today", "expected"), K2_CASES.values(), ids=K2_CASES
)
def test_k2_plan_within_8_weeks(hela_manniskan, extra, established, today, expected):
    participant = person(hela_manniskan, start=START, **extra)
    if established != "none":
        plan(participant, established)
    figures = kpi("plan_within_8_weeks", period_from=D2, period_to=D2, today=today)
    assert counts(figures, *PLAN_KEYS) == dict(zip(PLAN_KEYS, expected, strict=True))
    assert counts(figures["cumulative"], *PLAN_KEYS) == dict(zip(PLAN_KEYS, expected, strict=True))


def test_k2_counts_only_participants_whose_d2_is_in_the_period(hela_manniskan):
    plan(person(hela_manniskan, start=START), D2)
    before = kpi("plan_within_8_weeks", period_from=START, period_to=D2 - timedelta(days=1))
    after = kpi("plan_within_8_weeks", period_from=D2 + timedelta(days=1), period_to=LATER)
    assert before["cohort"] == after["cohort"] == 0
    assert before["percent"] is None
    # Cumulative runs from the earliest record: D2 lies before the later period.
    assert after["cumulative"]["cohort"] == 1
    assert after["cumulative"]["met"] == 1


def test_k2_percent_and_target(hela_manniskan):
    for established in (D2, D2, date(2026, 3, 30)):
        plan(person(hela_manniskan, start=START), established)
    figures = kpi("plan_within_8_weeks", period_from=D2, period_to=D2)
    assert (figures["cohort"], figures["met"], figures["percent"]) == (3, 2, 66.7)
    assert figures["target_percent"] == 80


# K5 ---------------------------------------------------------------------------------------

K5_CASES = {
    "established on day 56 with a link is met": (dict(), (D2, 1), LATER, (1, 1, 0, 0)),
    "established on day 57 is not": (dict(), (D2 + timedelta(days=1), 1), LATER, (1, 0, 0, 0)),
    "established but no link in the chain is not met": (dict(), (D2, 0), LATER, (1, 0, 0, 0)),
    "no crisis plan": (dict(), None, LATER, (1, 0, 0, 0)),
    "not crisis-relevant: not counted": (dict(crisis=False), (D2, 1), LATER, (0, 0, 0, 0)),
    "ended before D2 without a crisis plan is excluded": (
        dict(end=date(2026, 2, 10)),
        None,
        LATER,
        (0, 0, 1, 0),
    ),
    "ended before D2 with a crisis plan established by then": (
        dict(end=date(2026, 2, 10)),
        (date(2026, 2, 9), 2),
        LATER,
        (1, 1, 0, 0),
    ),
    "D2 not passed and no crisis plan: pending": (
        dict(),
        None,
        date(2026, 2, 1),
        (0, 0, 0, 1),
    ),
    "D2 not passed, a plan without a chain is still pending": (
        dict(),
        (date(2026, 1, 20), 0),
        date(2026, 2, 1),
        (0, 0, 0, 1),
    ),
}


@pytest.mark.parametrize(("extra", "crisis", "today", "expected"), K5_CASES.values(), ids=K5_CASES)
def test_k5_crisis_plan_within_8_weeks(hela_manniskan, extra, crisis, today, expected):
    participant = person(hela_manniskan, start=START, **({"crisis": True} | extra))
    plan(participant, START)  # the individual plan does not count for K5
    if crisis is not None:
        crisis_plan(participant, crisis[0], links=crisis[1])
    figures = kpi("crisis_plan_within_8_weeks", period_from=D2, period_to=D2, today=today)
    assert counts(figures, *PLAN_KEYS) == dict(zip(PLAN_KEYS, expected, strict=True))
    assert figures["target_percent"] == 70


# K3 ---------------------------------------------------------------------------------------

K3_KEYS = (*PLAN_KEYS, "no_contact_registered")
COMPLETED = "completed"
CANCELLED = "cancelled"
K3_CASES = {
    "completed before D3": ([(date(2026, 3, 1), COMPLETED, date(2026, 3, 20))], (1, 1, 0, 0, 0)),
    "completed on D3": ([(date(2026, 3, 1), COMPLETED, D3)], (1, 1, 0, 0, 0)),
    "completed after D3 is not met": (
        [(date(2026, 3, 30), COMPLETED, date(2026, 4, 2))],
        (1, 0, 0, 0, 0),
    ),
    "planned before D3, never completed": ([(date(2026, 3, 1), "planned", None)], (1, 0, 0, 0, 0)),
    "no prioritised contact: not met, counted apart": ([], (1, 0, 0, 0, 1)),
    "only a cancelled contact: not met, counted apart": (
        [(date(2026, 3, 1), CANCELLED, None)],
        (1, 0, 0, 0, 1),
    ),
    "only a contact planned after D3: none due": (
        [(date(2026, 4, 10), "planned", None)],
        (1, 0, 0, 0, 1),
    ),
    "planned after D3 but completed before it: due and met": (
        [(date(2026, 4, 10), COMPLETED, date(2026, 3, 25))],
        (1, 1, 0, 0, 0),
    ),
    "one of two due contacts open: not met": (
        [(date(2026, 2, 1), COMPLETED, date(2026, 2, 3)), (D3, "planned", None)],
        (1, 0, 0, 0, 0),
    ),
    "a cancelled contact is ignored": (
        [(date(2026, 2, 1), COMPLETED, date(2026, 2, 3)), (date(2026, 3, 1), CANCELLED, None)],
        (1, 1, 0, 0, 0),
    ),
    "a contact planned after D3 is not due": (
        [(date(2026, 2, 1), COMPLETED, date(2026, 2, 3)), (date(2026, 4, 2), "planned", None)],
        (1, 1, 0, 0, 0),
    ),
}


@pytest.mark.parametrize(("contacts", "expected"), K3_CASES.values(), ids=K3_CASES)
def test_k3_prioritised_contacts_3_months(hela_manniskan, contacts, expected):
    participant = person(hela_manniskan, start=START)
    for planned_on, status, completed_on in contacts:
        prioritised(participant, planned_on, status=status, completed_on=completed_on)
    figures = kpi("prioritised_contacts_3_months", period_from=D3, period_to=D3)
    assert counts(figures, *K3_KEYS) == dict(zip(K3_KEYS, expected, strict=True))
    assert figures["cumulative"]["no_contact_registered"] == expected[4]
    assert figures["target_percent"] == 70


@pytest.mark.parametrize(
    ("end", "today", "expected"),
    [
        (date(2026, 3, 31), LATER, (0, 0, 1, 0, 0)),  # ended the day before D3: excluded
        (D3, LATER, (1, 1, 0, 0, 0)),  # ended on D3: counted
        (None, D3, (0, 0, 0, 1, 0)),  # D3 is today: pending, even though already met
        (None, date(2026, 3, 31), (0, 0, 0, 1, 0)),
        (None, D3 + timedelta(days=1), (1, 1, 0, 0, 0)),
        (date(2026, 3, 1), date(2026, 3, 15), (0, 0, 1, 0, 0)),  # excluded before pending
    ],
)
def test_k3_exclusion_and_pending(hela_manniskan, end, today, expected):
    participant = person(hela_manniskan, start=START, end=end)
    prioritised(participant, date(2026, 2, 1), status=COMPLETED, completed_on=date(2026, 2, 2))
    figures = kpi("prioritised_contacts_3_months", period_from=D3, period_to=D3, today=today)
    assert counts(figures, *K3_KEYS) == dict(zip(K3_KEYS, expected, strict=True))


# K4 ---------------------------------------------------------------------------------------

END = date(2026, 6, 15)
K4_KEYS = ("cohort", "evaluable", "missing_rating", "met")
B, F_ = "baseline", "follow_up"
K4_CASES = {
    "lower UCLA sum": ([(B, START, (3, 2, 2), 3), (F_, END, (2, 2, 2), 3)], (1, 1, 0, 1)),
    "higher participation": ([(B, START, (2, 2, 2), 2), (F_, END, (2, 2, 2), 3)], (1, 1, 0, 1)),
    "both better": ([(B, START, (3, 3, 3), 1), (F_, END, (1, 1, 1), 5)], (1, 1, 0, 1)),
    "both the same": ([(B, START, (2, 2, 2), 3), (F_, END, (2, 2, 2), 3)], (1, 1, 0, 0)),
    "worse on both": ([(B, START, (1, 1, 1), 4), (F_, END, (3, 3, 3), 2)], (1, 1, 0, 0)),
    "lonelier but participating more": (
        [(B, START, (1, 1, 1), 2), (F_, END, (3, 3, 3), 3)],
        (1, 1, 0, 1),
    ),
    "no follow-up": ([(B, START, (3, 3, 3), 1)], (1, 0, 1, 0)),
    "no baseline": ([(F_, END, (1, 1, 1), 5)], (1, 0, 1, 0)),
    "no rating at all": ([], (1, 0, 1, 0)),
    "the earliest baseline counts, not a later one": (
        [
            (B, date(2026, 1, 10), (3, 3, 3), 3),
            (B, START, (1, 1, 2), 3),
            (F_, END, (2, 2, 2), 3),
        ],
        (1, 1, 0, 0),
    ),
    "the latest follow-up counts, not an earlier one": (
        [
            (B, START, (3, 3, 3), 3),
            (F_, date(2026, 6, 15), (3, 3, 3), 3),
            (F_, date(2026, 5, 1), (1, 1, 1), 5),
        ],
        (1, 1, 0, 0),
    ),
}


@pytest.mark.parametrize(("ratings", "expected"), K4_CASES.values(), ids=K4_CASES)
def test_k4_self_rating_improved(hela_manniskan, ratings, expected):
    participant = person(hela_manniskan, start=START, end=END)
    for phase, rated_on, ucla, participation in ratings:
        rating(participant, phase, rated_on, ucla=ucla, participation=participation)
    figures = kpi("self_rating_improved", period_from=END, period_to=END)
    assert counts(figures, *K4_KEYS) == dict(zip(K4_KEYS, expected, strict=True))
    assert figures["percent"] == (None if not expected[1] else 100.0 * expected[3])
    assert figures["target_percent"] == 60


def test_k4_cohort_is_those_who_ended_in_the_period(hela_manniskan):
    for end in (None, date(2026, 3, 31), date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 1)):
        participant = person(hela_manniskan, start=START, end=end)
        rating(participant, B, START, ucla=(3, 3, 3))
        rating(participant, F_, end or START, ucla=(1, 1, 1))
    figures = kpi("self_rating_improved", period_from=date(2026, 4, 1), period_to=date(2026, 6, 30))
    assert counts(figures, *K4_KEYS) == {"cohort": 2, "evaluable": 2, "missing_rating": 0, "met": 2}
    cumulative = figures["cumulative"]
    assert (cumulative["cohort"], cumulative["met"], cumulative["percent"]) == (3, 3, 100.0)


def test_k4_percent_is_over_the_evaluable(hela_manniskan):
    for improved in (True, False, None, None):
        participant = person(hela_manniskan, start=START, end=END)
        if improved is not None:
            rating(participant, B, START, ucla=(2, 2, 2))
            rating(participant, F_, END, ucla=(1, 1, 1) if improved else (3, 3, 3))
    figures = kpi("self_rating_improved", period_from=END, period_to=END)
    assert counts(figures, *K4_KEYS) == {"cohort": 4, "evaluable": 2, "missing_rating": 2, "met": 1}
    assert figures["percent"] == 50.0


# K1 ---------------------------------------------------------------------------------------


def test_k1_participants(hela_manniskan):
    q_from, q_to = date(2026, 4, 1), date(2026, 6, 30)
    person(hela_manniskan, start=date(2026, 1, 5))  # before, open: active
    person(hela_manniskan, start=date(2026, 1, 5), end=date(2026, 3, 31))  # ended before
    person(hela_manniskan, start=date(2026, 1, 5), end=q_from)  # active, ended in period
    person(hela_manniskan, start=q_from)  # started, active
    person(hela_manniskan, start=q_to, end=q_to)  # started, active, ended
    person(hela_manniskan, start=date(2026, 7, 1))  # after the period: nowhere
    figures = compute_kpis(period_from=q_from, period_to=q_to, today=LATER)["participants"]
    assert counts(figures, "started", "active", "ended", "cumulative_started", "target") == {
        "started": 2,
        "active": 4,
        "ended": 2,
        "cumulative_started": 5,
        "target": 30,
    }


# Breakdowns -------------------------------------------------------------------------------


def test_breakdowns_by_gender_and_age_group(hela_manniskan):
    # Age at start = start year - birth year.
    cases = [
        ("woman", 2008, D2),  # 18
        ("woman", 2005, None),  # 21
        ("man", 2004, D2),  # 22
        ("non_binary", 1997, D2),  # 29
        ("not_stated", 1996, D2),  # 30: other
        ("man", 2009, None),  # 17: other
    ]
    for gender, birth_year, established in cases:
        plan(person(hela_manniskan, start=START, gender=gender, birth_year=birth_year), established)
    result = compute_kpis(period_from=START, period_to=LATER, today=LATER)
    assert result["participants"]["by_gender"] == {
        "woman": 2,
        "man": 2,
        "non_binary": 1,
        "not_stated": 1,
    }
    assert result["participants"]["by_age_group"] == {
        "18-21": 2,
        "22-25": 1,
        "26-29": 1,
        "other": 2,
    }
    k2 = result["kpis"]["plan_within_8_weeks"]
    assert k2["by_gender"]["woman"] == {
        "cohort": 2,
        "met": 1,
        "excluded": 0,
        "pending": 0,
        "percent": 50.0,
    }
    assert k2["by_gender"]["non_binary"]["percent"] == 100.0
    assert {key: cell["met"] for key, cell in k2["by_age_group"].items()} == {
        "18-21": 1,
        "22-25": 1,
        "26-29": 1,
        "other": 1,
    }
    assert k2["by_age_group"]["other"]["cohort"] == 2
    for name in ("prioritised_contacts_3_months", "self_rating_improved"):
        assert set(result["kpis"][name]["by_gender"]) == {
            "woman",
            "man",
            "non_binary",
            "not_stated",
        }
        assert set(result["kpis"][name]["by_age_group"]) == {"18-21", "22-25", "26-29", "other"}
    k3 = result["kpis"]["prioritised_contacts_3_months"]
    assert k3["by_gender"]["man"]["no_contact_registered"] == 2
    k4 = result["kpis"]["self_rating_improved"]
    assert k4["by_age_group"]["other"] == {
        "cohort": 0,
        "evaluable": 0,
        "missing_rating": 0,
        "met": 0,
        "percent": None,
    }


def test_organisation_filter(hela_manniskan, district):
    plan(person(hela_manniskan, start=START), D2)
    person(district, start=START)
    only_district = compute_kpis(
        period_from=START, period_to=LATER, today=LATER, organisation=district
    )
    assert only_district["participants"]["started"] == 1
    assert only_district["kpis"]["plan_within_8_weeks"]["met"] == 0


# Activity ---------------------------------------------------------------------------------


def test_activity_figures(hela_manniskan):
    q_from, q_to = date(2026, 4, 1), date(2026, 6, 30)
    first, second, outside = (person(hela_manniskan, start=START) for _ in range(3))
    for who, day in [
        (first, q_from),
        (first, q_to),
        (second, date(2026, 5, 5)),
        (outside, date(2026, 3, 31)),
        (outside, date(2026, 7, 1)),
    ]:
        Contact.objects.create(participant=who, date=day, kind="meeting", duration_minutes=30)
    records = [
        ("drop_in", q_from, 60, 12, 3),
        ("drop_in", date(2026, 3, 31), 60, 12, 5),  # outside the period
        ("information_session", date(2026, 5, 1), 60, 25, 0),
        ("information_session", q_to, 45, 10, 0),
        ("outreach", date(2026, 5, 2), 90, 7, 0),
        ("outreach", date(2026, 5, 3), 60, 4, 0),
    ]
    for kind, day, minutes, reached, first_time in records:
        activity_record(
            hela_manniskan,
            kind,
            day,
            minutes=minutes,
            people_reached=reached,
            first_time_visitors=first_time,
        )
    meetings = [
        ("held", date(2026, 5, 20), date(2026, 5, 6)),  # 14 days before: in time
        ("held", date(2026, 5, 20), date(2026, 5, 7)),  # 13 days before: late
        ("held", date(2026, 6, 1), None),  # no invitation recorded: not counted late
        ("planned", date(2026, 6, 2), date(2026, 6, 1)),
        ("cancelled", date(2026, 6, 3), date(2026, 6, 1)),
        ("held", date(2026, 3, 31), date(2026, 3, 30)),  # outside the period
    ]
    for status, meeting_on, invited in meetings:
        CoordinationMeeting.objects.create(
            participant=first, status=status, meeting_on=meeting_on, invitation_sent_on=invited
        )
    activity = compute_kpis(period_from=q_from, period_to=q_to, today=LATER)["activity"]
    assert activity == {
        "individual_contacts": 3,
        "unique_persons": 2 + 3,
        "information_sessions": 2,
        "information_attendees": 35,
        "outreach_occasions": 2,
        "outreach_hours": 2.5,
        "outreach_people_reached": 11,
        "meetings_held": 3,
        "meetings_invited_late": 1,
    }


def test_outreach_hours_have_one_decimal(hela_manniskan):
    activity_record(hela_manniskan, "outreach", START, minutes=100)
    activity = compute_kpis(period_from=START, period_to=START, today=LATER)["activity"]
    assert activity["outreach_hours"] == 1.7


def test_percent():
    assert percent(2, 3) == 66.7
    assert percent(0, 0) is None
    assert percent(1, 8) == 12.5


def test_empty_database_gives_zeros_and_null_percents(vagledning):
    # vagledning: the installation's one programme, made again if a transactional test
    # on this pytest process flushed the migrated row (the report names no programme).
    result = compute_kpis(period_from=START, period_to=LATER, today=LATER)
    for figures in result["kpis"].values():
        assert figures["cohort"] == 0
        assert figures["percent"] is None
        assert figures["cumulative"]["percent"] is None
    assert result["activity"]["outreach_hours"] == 0.0


def test_from_after_to_is_refused(db):
    with pytest.raises(ValueError, match="after"):
        compute_kpis(period_from=LATER, period_to=START)


def test_three_month_date_on_sqlite_matches_plans_deadlines():
    """``make run`` uses SQLite: the same clamping there, checked day by day over four years."""
    sql = "SELECT " + SQLITE_ADD_MONTHS.format(e="?", months=3, next=4).replace("%%", "%")
    days_sql = "SELECT date(?, '+56 days')"
    with closing(sqlite3.connect(":memory:")) as sqlite:
        for offset in range(4 * 366):
            start = date(2024, 1, 1) + timedelta(days=offset)
            d3 = sqlite.execute(sql, [start.isoformat()] * 3).fetchone()[0]
            d2 = sqlite.execute(days_sql, [start.isoformat()]).fetchone()[0]
            assert (d2, d3) == (
                plan_deadline(start).isoformat(),
                three_month_date(start).isoformat(),
            )


def test_cumulative_figures_run_from_the_earliest_record(hela_manniskan):
    """Q2 2026 alone, and cumulatively: everything with its deadline on or before 2026-06-30."""
    early = person(hela_manniskan, start=date(2025, 3, 3), crisis=True)  # D2, D3 in 2025
    prioritised(early, date(2025, 4, 1), status=COMPLETED, completed_on=date(2025, 4, 2))
    crisis_plan(early, date(2025, 4, 1))
    in_quarter = person(hela_manniskan, start=date(2026, 2, 2), crisis=True)  # D2 03-30, D3 05-02
    prioritised(in_quarter, date(2026, 5, 10))
    crisis_plan(in_quarter, date(2026, 4, 1))
    late = person(hela_manniskan, start=date(2026, 6, 1), crisis=True)  # D2 and D3 after Q2
    crisis_plan(late, date(2026, 6, 5))
    result = compute_kpis(period_from=date(2026, 4, 1), period_to=date(2026, 6, 30), today=LATER)
    k3, k5 = (
        result["kpis"][name]
        for name in ("prioritised_contacts_3_months", "crisis_plan_within_8_weeks")
    )
    assert (k3["cohort"], k3["met"], k3["no_contact_registered"]) == (1, 0, 1)
    assert (k3["cumulative"]["cohort"], k3["cumulative"]["met"]) == (2, 1)
    assert k3["cumulative"]["percent"] == 50.0
    assert (k5["cohort"], k5["met"]) == (0, 0)
    assert (k5["cumulative"]["cohort"], k5["cumulative"]["met"]) == (2, 1)
    assert result["participants"]["cumulative_started"] == 3
