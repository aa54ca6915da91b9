"""Periods: project quarters from the programme's start, the calendar's, and the query.

The programme here is "Vägledning i Vardagslivet" as its migration makes it (2026-05-01 to and
including 2029-05-01); ``tests/programmes`` has one with other dates."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.http import QueryDict

from cm_portal.programmes.models import Programme
from reporting import periods
from reporting.forms import PeriodForm
from reporting.periods import (
    Period,
    calendar_quarter,
    calendar_year,
    custom,
    finished_project_quarters,
    past_project_quarters,
    period_from_query,
    phase_on,
    project_quarter,
    project_to_date,
    project_year,
    tertial,
    whole_programme,
)
from tests.factories import default_programme

# Only the dates and the kinds of period matter to most of these: an unsaved programme.
V = Programme(
    slug="v",
    start=date(2026, 5, 1),
    end=date(2029, 5, 1),
    reporting_periods=["project_quarter", "project_year", "calendar_quarter", "tertial", "year"],
)


def test_project_quarters_tile_the_partnership():
    quarters = [project_quarter(V, n) for n in range(1, 13)]
    assert (quarters[0].start, quarters[0].end) == (date(2026, 5, 1), date(2026, 7, 31))
    assert (quarters[2].start, quarters[2].end) == (date(2026, 11, 1), date(2027, 1, 31))
    assert quarters[2].label == "Project quarter 3 (2026-11-01 to 2027-01-31)"
    # The last day is included (seed 002: "till och med 2029-05-01").
    assert quarters[-1].end == date(2029, 5, 1) == V.end
    assert periods.project_quarter_count(V) == 12
    for before, after in itertools.pairwise(quarters):
        assert (after.start - before.end).days == 1


@pytest.mark.parametrize("n", [0, 13, -1])
def test_project_quarter_out_of_range(n):
    with pytest.raises(ValueError, match="from 1 to 12"):
        project_quarter(V, n)


def test_project_years_are_the_annual_follow_ups():
    assert (project_year(V, 1).start, project_year(V, 1).end) == (
        date(2026, 5, 1),
        date(2027, 4, 30),
    )
    assert (project_year(V, 3).start, project_year(V, 3).end) == (
        date(2028, 5, 1),
        date(2029, 5, 1),
    )
    with pytest.raises(ValueError, match="from 1 to 3"):
        project_year(V, 4)


def test_calendar_periods():
    q4 = calendar_quarter(2026, 4)
    assert (q4.start, q4.end, q4.label) == (date(2026, 10, 1), date(2026, 12, 31), "Q4 2026")
    t1 = tertial(2026, 1)
    assert (t1.start, t1.end) == (date(2026, 1, 1), date(2026, 4, 30))
    assert t1.label == "Tertial 1 2026 (January to April)"
    assert (tertial(2028, 3).start, tertial(2028, 3).end) == (date(2028, 9, 1), date(2028, 12, 31))
    year = calendar_year(2027)
    assert (year.start, year.end, year.label) == (date(2027, 1, 1), date(2027, 12, 31), "2027")
    assert calendar_quarter(2028, 1).end == date(2028, 3, 31)


def test_to_date_whole_and_custom():
    to_date = project_to_date(V, date(2026, 11, 23))
    assert (to_date.start, to_date.end) == (date(2026, 5, 1), date(2026, 11, 23))
    assert project_to_date(V, date(2030, 1, 1)).end == V.end
    with pytest.raises(ValueError, match="starts on 2026-05-01"):
        project_to_date(V, date(2026, 4, 30))
    whole = whole_programme(V)
    assert (whole.start, whole.end) == (date(2026, 5, 1), date(2029, 5, 1))
    own = custom(date(2026, 6, 1), date(2026, 8, 31))
    assert own.label == "2026-06-01 to 2026-08-31"
    assert custom(date(2026, 6, 1), date(2026, 6, 1)).start == date(2026, 6, 1)
    with pytest.raises(ValueError, match="give the earlier date first"):
        custom(date(2026, 8, 31), date(2026, 6, 1))
    with pytest.raises(ValueError, match="9999-12-31 is outside the years reports cover"):
        custom(date(2026, 6, 1), date(9999, 12, 31))


def test_finished_and_past_quarters():
    assert finished_project_quarters(V, date(2026, 7, 31)) == []
    assert finished_project_quarters(V, date(2026, 8, 1)) == [project_quarter(V, 1)]
    assert len(finished_project_quarters(V, date(2026, 11, 23))) == 2
    assert past_project_quarters(V, project_quarter(V, 3)) == [
        project_quarter(V, n) for n in (1, 2, 3)
    ]
    assert past_project_quarters(V, calendar_quarter(2026, 4)) == [
        project_quarter(V, 1),
        project_quarter(V, 2),
    ]


@pytest.mark.parametrize(
    ("day", "key", "month"),
    [
        (date(2026, 4, 30), "before", 0),
        (date(2026, 5, 1), "establishment", 1),
        (date(2026, 10, 31), "establishment", 6),
        (date(2026, 11, 1), "implementation", 7),
        (date(2028, 10, 31), "implementation", 30),
        (date(2028, 11, 1), "evaluation", 31),
        (date(2029, 4, 30), "evaluation", 36),
        # The included last day is in month 37, which belongs to the last phase.
        (date(2029, 5, 1), "evaluation", 37),
        (date(2029, 5, 2), "after", 0),
    ],
)
@pytest.mark.django_db
def test_phase_on(day, key, month):
    phase = phase_on(default_programme(), day)
    assert (phase.key, phase.month) == (key, month)
    assert phase.label


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "project_quarter", "n": "3"}, project_quarter(V, 3)),
        ({"kind": "calendar_quarter", "year": "2026", "q": "4"}, calendar_quarter(2026, 4)),
        ({"kind": "tertial", "year": "2026", "t": "1"}, tertial(2026, 1)),
        ({"kind": "year", "year": "2026"}, calendar_year(2026)),
        ({"kind": "project_year", "n": "1"}, project_year(V, 1)),
        ({"kind": "month", "year": "2027", "m": "2"}, periods.calendar_month(2027, 2)),
        ({"kind": "to_date"}, project_to_date(V, date(2026, 11, 23))),
        ({"kind": "partnership"}, whole_programme(V)),
        (
            {"kind": "custom", "from": "2026-06-01", "to": "2026-08-31"},
            custom(date(2026, 6, 1), date(2026, 8, 31)),
        ),
    ],
)
def test_period_from_query_and_back(query, expected):
    period = period_from_query(query, programme=V, today=date(2026, 11, 23))
    assert period == expected
    assert period_from_query(period.as_query(), programme=V, today=date(2026, 11, 23)) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Choose what kind of period"),
        ({"kind": "nonsense"}, "Choose what kind of period"),
        ({"kind": "project_quarter"}, "needs 'n'"),
        ({"kind": "project_quarter", "n": "three"}, "not a whole number"),
        ({"kind": "project_quarter", "n": "13"}, "from 1 to 12"),
        ({"kind": "calendar_quarter", "year": "2026", "q": "5"}, "from 1 to 4"),
        ({"kind": "custom", "from": "2026-06-01", "to": "31/8"}, "not a date"),
        ({"kind": "custom", "from": "2026-09-01", "to": "2026-08-31"}, "earlier date first"),
        ({"kind": "custom", "from": "2026-02-30", "to": "2026-08-31"}, "not a date"),
    ],
)
def test_period_from_query_errors(query, message):
    with pytest.raises(ValueError, match=message):
        period_from_query(query, programme=V)


def test_period_file_stem():
    assert project_quarter(V, 1).file_stem == "2026-05-01_2026-07-31"
    assert isinstance(project_quarter(V, 1), Period)


def test_period_form_valid():
    form = PeriodForm({"kind": "calendar_quarter", "year": "2026", "q": "4", "n": ""}, programme=V)
    assert form.is_valid(), form.errors
    assert form.period == calendar_quarter(2026, 4)
    form = PeriodForm({"kind": "custom", "from": "2026-06-01", "to": "2026-08-31"}, programme=V)
    assert form.is_valid(), form.errors
    assert form.period == custom(date(2026, 6, 1), date(2026, 8, 31))
    form = PeriodForm({"kind": "to_date"}, programme=V, today=date(2026, 11, 23))
    assert form.is_valid(), form.errors
    assert form.period.end == date(2026, 11, 23)


def test_period_form_errors_on_the_right_fields():
    form = PeriodForm({"kind": "calendar_quarter", "year": "2026"}, programme=V)
    assert not form.is_valid()
    assert "Fill this in" in form.errors["q"][0]
    form = PeriodForm({"kind": "project_year", "n": "5"}, programme=V)
    assert not form.is_valid()
    assert "from 1 to 3" in form.errors["n"][0]
    form = PeriodForm({"kind": "custom", "from": "2026-09-01", "to": "2026-08-31"}, programme=V)
    assert not form.is_valid()
    assert "earlier date first" in form.errors["to"][0]
    form = PeriodForm({}, programme=V)
    assert not form.is_valid()
    assert "kind" in form.errors
    for name, field in form.fields.items():
        assert field.label, name


def test_period_from_a_query_dict_and_to_date_with_an_end():
    period = period_from_query(QueryDict("kind=to_date&to=2026-09-30"), programme=V)
    assert (period.start, period.end) == (date(2026, 5, 1), date(2026, 9, 30))
    assert period.as_query() == {"kind": "to_date", "to": "2026-09-30"}
    assert period_from_query(QueryDict("kind=tertial&year=2027&t=2"), programme=V) == tertial(
        2027, 2
    )
