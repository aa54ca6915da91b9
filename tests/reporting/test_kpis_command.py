"""``manage.py kpis``: the JSON of docs/kpis.md for a hand-computed fixture, and its errors."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, ManagementUtility, call_command

from participants.models import Contact
from plans.models import CoordinationMeeting

from .helpers import activity_record, crisis_plan, person, plan, prioritised, rating

pytestmark = pytest.mark.django_db


GENDERS = ("woman", "man", "non_binary", "not_stated")
AGES = ("18-21", "22-25", "26-29", "other")


def run(*args: str) -> dict:
    out = StringIO()
    call_command("kpis", *args, stdout=out)
    return json.loads(out.getvalue())


def plan_cell(cohort=0, met=0, excluded=0, pending=0, percent=None) -> dict:
    return {
        "cohort": cohort,
        "met": met,
        "excluded": excluded,
        "pending": pending,
        "percent": percent,
    }


def contacts_cell(cohort=0, met=0, excluded=0, pending=0, percent=None, no_contact=0) -> dict:
    return plan_cell(cohort, met, excluded, pending, percent) | {
        "no_contact_registered": no_contact
    }


def rating_cell(cohort=0, evaluable=0, missing=0, met=0, percent=None) -> dict:
    return {
        "cohort": cohort,
        "evaluable": evaluable,
        "missing_rating": missing,
        "met": met,
        "percent": percent,
    }


def by_age(empty, **given) -> dict:
    names = {"18-21": "young", "22-25": "mid", "26-29": "older", "other": "other"}
    return {key: given.get(names[key], empty()) for key in AGES}


def by_gender(empty, **given) -> dict:
    return {key: given.get(key, empty()) for key in GENDERS}


@pytest.fixture
def quarter(hela_manniskan):
    """Five participants around the second quarter of 2026 (see the expected JSON below)."""
    org = hela_manniskan
    p1 = person(org, start=date(2026, 4, 1), gender="woman", birth_year=2005, crisis=True)
    plan(p1, date(2026, 5, 27))  # D2 2026-05-27: met on day 56
    crisis_plan(p1, date(2026, 5, 20), links=1)
    p2 = person(org, start=date(2026, 2, 1), gender="man", birth_year=2002)
    plan(p2, date(2026, 4, 1))  # D2 2026-03-29, before the quarter: late, cumulative only
    prioritised(p2, date(2026, 4, 15), status="completed", completed_on=date(2026, 4, 20))
    p3 = person(
        org, start=date(2026, 3, 1), end=date(2026, 6, 10), gender="not_stated", birth_year=1990
    )
    rating(p3, "baseline", date(2026, 3, 1), ucla=(3, 3, 2), participation=2)
    rating(p3, "follow_up", date(2026, 6, 10), ucla=(2, 2, 2), participation=2)
    person(org, start=date(2026, 6, 20), gender="non_binary", birth_year=2000)
    person(
        org,
        start=date(2026, 4, 10),
        end=date(2026, 5, 20),
        gender="woman",
        birth_year=2007,
        crisis=True,
    )
    for who, day in [(p1, date(2026, 4, 2)), (p1, date(2026, 4, 10)), (p2, date(2026, 5, 5))]:
        Contact.objects.create(participant=who, date=day, kind="meeting", duration_minutes=30)
    Contact.objects.create(
        participant=p3, date=date(2026, 3, 15), kind="phone", duration_minutes=10
    )
    activity_record(
        org, "drop_in", date(2026, 5, 1), minutes=60, people_reached=10, first_time_visitors=4
    )
    activity_record(org, "outreach", date(2026, 6, 1), minutes=90, people_reached=6)
    CoordinationMeeting.objects.create(
        participant=p2,
        status="held",
        meeting_on=date(2026, 5, 15),
        invitation_sent_on=date(2026, 5, 5),
    )


EXPECTED = {
    "period": {"from": "2026-04-01", "to": "2026-06-30"},
    "participants": {
        "started": 3,
        "active": 5,
        "ended": 2,
        "cumulative_started": 5,
        "target": 30,
        "by_gender": {"woman": 2, "man": 0, "non_binary": 1, "not_stated": 0},
        "by_age_group": {"18-21": 2, "22-25": 0, "26-29": 1, "other": 0},
    },
    "kpis": {
        "plan_within_8_weeks": {
            **plan_cell(cohort=2, met=1, excluded=1, percent=50.0),
            "target_percent": 80,
            "cumulative": plan_cell(cohort=3, met=1, excluded=1, percent=33.3),
            "by_gender": by_gender(
                plan_cell,
                woman=plan_cell(cohort=1, met=1, excluded=1, percent=100.0),
                not_stated=plan_cell(cohort=1, percent=0.0),
            ),
            "by_age_group": by_age(
                plan_cell,
                young=plan_cell(cohort=1, met=1, excluded=1, percent=100.0),
                other=plan_cell(cohort=1, percent=0.0),
            ),
        },
        "prioritised_contacts_3_months": {
            **plan_cell(cohort=2, met=1, percent=50.0),
            "target_percent": 70,
            "cumulative": contacts_cell(cohort=2, met=1, percent=50.0, no_contact=1),
            "no_contact_registered": 1,
            "by_gender": by_gender(
                contacts_cell,
                man=contacts_cell(cohort=1, met=1, percent=100.0),
                not_stated=contacts_cell(cohort=1, percent=0.0, no_contact=1),
            ),
            "by_age_group": by_age(
                contacts_cell,
                mid=contacts_cell(cohort=1, met=1, percent=100.0),
                other=contacts_cell(cohort=1, percent=0.0, no_contact=1),
            ),
        },
        "self_rating_improved": {
            **rating_cell(cohort=2, evaluable=1, missing=1, met=1, percent=100.0),
            "target_percent": 60,
            "cumulative": rating_cell(cohort=2, evaluable=1, missing=1, met=1, percent=100.0),
            "by_gender": by_gender(
                rating_cell,
                woman=rating_cell(cohort=1, missing=1),
                not_stated=rating_cell(cohort=1, evaluable=1, met=1, percent=100.0),
            ),
            "by_age_group": by_age(
                rating_cell,
                young=rating_cell(cohort=1, missing=1),
                other=rating_cell(cohort=1, evaluable=1, met=1, percent=100.0),
            ),
        },
        "crisis_plan_within_8_weeks": {
            **plan_cell(cohort=1, met=1, excluded=1, percent=100.0),
            "target_percent": 70,
            "cumulative": plan_cell(cohort=1, met=1, excluded=1, percent=100.0),
            "by_gender": by_gender(
                plan_cell, woman=plan_cell(cohort=1, met=1, excluded=1, percent=100.0)
            ),
            "by_age_group": by_age(
                plan_cell, young=plan_cell(cohort=1, met=1, excluded=1, percent=100.0)
            ),
        },
    },
    "activity": {
        "individual_contacts": 3,
        "unique_persons": 6,
        "information_sessions": 0,
        "information_attendees": 0,
        "outreach_occasions": 1,
        "outreach_hours": 1.5,
        "outreach_people_reached": 6,
        "meetings_held": 1,
        "meetings_invited_late": 1,
    },
}


@time_machine.travel(date(2026, 7, 15), tick=False)
def test_kpis_command_prints_the_json_of_the_spec(quarter):
    result = run("--from", "2026-04-01", "--to", "2026-06-30", "--format", "json")
    assert result == EXPECTED
    # Key names and their order as docs/kpis.md writes them.
    assert json.dumps(result) == json.dumps(EXPECTED)


@time_machine.travel(date(2026, 7, 15), tick=False)
def test_kpis_command_json_is_the_default_format(quarter):
    assert run("--from", "2026-04-01", "--to", "2026-06-30") == EXPECTED


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_a_period_ending_after_today_counts_pending(quarter, hela_manniskan):
    # D2 2026-06-26 is still ahead and no plan yet: pending for K2, in no cohort.
    person(hela_manniskan, start=date(2026, 5, 1))
    result = run("--from", "2026-04-01", "--to", "2026-06-30")
    k2 = result["kpis"]["plan_within_8_weeks"]
    assert (k2["cohort"], k2["met"], k2["excluded"], k2["pending"]) == (2, 1, 1, 1)
    # p3's D3 is 2026-06-01 = today: pending, so neither in the cohort nor counted apart.
    k3 = result["kpis"]["prioritised_contacts_3_months"]
    assert (k3["cohort"], k3["met"], k3["pending"], k3["no_contact_registered"]) == (1, 1, 1, 0)


def test_organisation_option(quarter, district):
    assert (
        run("--from", "2026-04-01", "--to", "2026-06-30", "--organisation", "district")[
            "participants"
        ]["cumulative_started"]
        == 0
    )
    with pytest.raises(CommandError, match="No organisation"):
        run("--from", "2026-04-01", "--to", "2026-06-30", "--organisation", "nowhere")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-31"], "--from '2026-13-01' is not a date"),
        (["--from", "2026-1-1", "--to", "2026-12-31"], "YYYY-MM-DD"),
        (["--from", "2026-01-01", "--to", "tomorrow"], "--to 'tomorrow' is not a date"),
        (["--from", "2026-02-01", "--to", "2026-01-31"], "is after --to"),
        (["--from", "2026-01-01", "--to", "2026-01-31", "--format", "csv"], "use --format json"),
    ],
)
def test_kpis_command_refuses_bad_arguments(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_kpis_command_exits_non_zero_on_a_bad_date(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(
            ["manage.py", "kpis", "--from", "2026-02-30", "--to", "2026-03-01"]
        ).execute()
    assert exit_info.value.code != 0
    assert "is not a date" in capsys.readouterr().err
