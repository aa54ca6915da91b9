"""Released periods (issue 15, item 5; ``reporting.releases``): the steering and project
groups get figures for months, quarters, tertials, years and the whole programme only, and
periods of their own dates only as whole calendar months, so that no two outputs they can
get are a day apart; the team lead's own figures are for any period, as before."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from reporting import periods
from reporting.disclosure import is_suppressed, protected_kpis
from reporting.forms import PeriodForm
from reporting.releases import release_error, released_default_period
from tests.factories import default_programme

from .helpers import person, plan

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
ONE_DAY = {"kind": "custom", "from": "2026-09-10", "to": "2026-09-10"}
WHOLE_MONTHS = {"kind": "custom", "from": "2026-08-01", "to": "2026-09-30"}
SWEDISH_REFUSAL = "Välj hela kalendermånader"


@pytest.fixture(autouse=True)
def after_quarter_two():
    with time_machine.travel(NOW, tick=False):
        yield


def _form(data, *, released: bool) -> PeriodForm:
    return PeriodForm(data, programme=default_programme(), released=released)


# --- the form -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "released"),
    [
        ("2026-09-01", "2026-09-30", True),  # one whole month
        ("2026-08-01", "2027-01-31", True),  # several
        ("2026-09-10", "2026-09-10", False),  # one day
        ("2026-09-01", "2026-09-29", False),  # a day short of the month
        ("2026-09-02", "2026-10-31", False),  # starts on the 2nd
        ("2026-09-15", "2026-10-14", False),  # a month long, but not a calendar month
    ],
)
def test_a_members_own_dates_must_be_whole_calendar_months(start, end, released):
    data = {"kind": "custom", "from": start, "to": end}
    member, lead = _form(data, released=True), _form(data, released=False)
    assert lead.is_valid(), lead.errors  # the team lead: any period, as before
    assert member.is_valid() is released
    if not released:
        assert member.period is None
        assert "whole calendar months" in str(member.errors["to"])


@pytest.mark.django_db
def test_the_refusal_is_in_swedish():
    with translation.override("sv"):
        form = _form(ONE_DAY, released=True)
        assert not form.is_valid()
        assert SWEDISH_REFUSAL in str(form.errors["to"])


@pytest.mark.django_db
def test_the_project_to_date_is_not_offered_to_the_members_and_months_are():
    member = dict(_form(None, released=True).fields["kind"].choices)
    lead = dict(_form(None, released=False).fields["kind"].choices)
    assert periods.Kind.TO_DATE not in member
    assert periods.Kind.TO_DATE in lead
    for kinds in (member, lead):
        assert periods.Kind.MONTH in kinds  # beside the quarters and tertials
    assert not _form({"kind": "to_date"}, released=True).is_valid()
    month = _form({"kind": "month", "year": "2026", "m": "9"}, released=True)
    assert month.is_valid() and (month.period.start, month.period.end) == (
        date(2026, 9, 1),
        date(2026, 9, 30),
    )


# --- the pages ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["reporting:report", "reporting:export_csv", "reporting:export_xlsx"]
)
def test_the_pages_refuse_a_members_short_period_and_allow_the_team_lead(url, persona_client):
    steve, pia, tess = (persona_client(name) for name in ("steve", "pia", "tess"))
    for member in (steve, pia):
        response = member.get(reverse(url), ONE_DAY, HTTP_ACCEPT_LANGUAGE="en")
        html = response.content.decode()
        assert "whole calendar months" in html
        if url != "reporting:report":
            assert response.status_code == 400  # the chooser again, no file
        else:
            assert "The period could not be read" in html
        assert member.get(reverse(url), WHOLE_MONTHS).status_code == 200
    response = tess.get(reverse(url), ONE_DAY, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"whole calendar months" not in response.content


@pytest.mark.django_db
def test_the_pdf_request_refuses_a_short_period(persona_client):
    steve = persona_client("steve")
    data = {"kind": "custom", "date_from": "2026-09-10", "date_to": "2026-09-10"}
    response = steve.post(reverse("reporting:pdf_request"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "whole calendar months" in response.content.decode()
    data = {"kind": "custom", "date_from": "2026-09-01", "date_to": "2026-09-30"}
    response = steve.post(reverse("reporting:pdf_request"), data)
    assert response.status_code == 302


@pytest.mark.django_db
def test_before_the_first_quarter_ends_the_members_see_quarter_one(persona_client):
    programme = default_programme()
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))):
        period = released_default_period(programme, date(2026, 6, 1))
        assert period == periods.project_quarter(programme, 1)
        html = persona_client("steve").get(reverse("reporting:start")).content.decode()
        assert "Project quarter 1 (2026-05-01 to 2026-07-31)" in html
        assert "Project to date" not in html


# --- no two released outputs a day apart ------------------------------------------------


def _released_periods(programme, first: date, last: date) -> set[periods.Period]:
    """Every period a member can ask for whose days lie in ``[first, last]``: the kinds of
    the chooser, and every pair of dates the release rule lets through (exhaustively)."""
    kinds = [
        *periods.all_project_quarters(programme),
        *periods.all_project_years(programme),
        periods.whole_programme(programme),
        *(
            periods.calendar_month(year, m)
            for year in range(first.year, last.year + 1)
            for m in range(1, 13)
        ),
        *(
            periods.calendar_quarter(year, q)
            for year in range(first.year, last.year + 1)
            for q in range(1, 5)
        ),
        *(
            periods.tertial(year, t)
            for year in range(first.year, last.year + 1)
            for t in range(1, 4)
        ),
        *(periods.calendar_year(year) for year in range(first.year, last.year + 1)),
    ]
    released = {p for p in kinds if release_error(p) is None}
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for start, end in itertools.combinations_with_replacement(days, 2):
        custom = periods.custom(start, end)
        if release_error(custom) is None:
            released.add(custom)
    return released


def _a_day_apart(a: periods.Period, b: periods.Period) -> bool:
    """Two outputs whose difference is one day's deadlines: an end (the period's figures and
    the cumulative ones, which run to it) or a start one day apart, the other end equal or
    one day apart too."""
    starts, ends = abs((a.start - b.start).days), abs((a.end - b.end).days)
    return (starts, ends) != (0, 0) and (ends == 1 or (starts <= 1 and ends <= 1))


@pytest.mark.django_db
def test_no_two_released_periods_are_a_day_apart():
    """Exhaustive over the programme's first year: each of the 66 795 pairs of dates, and
    every kind of period, through the release rule; then every pair of what it lets
    through."""
    programme = default_programme()  # 2026-05-01 to 2029-04-30
    released = _released_periods(programme, date(2026, 5, 1), date(2027, 4, 30))
    assert periods.custom(date(2026, 9, 1), date(2026, 9, 30)) in released
    assert periods.custom(date(2026, 9, 1), date(2026, 9, 29)) not in released
    starts = sorted({p.start for p in released})
    ends = sorted({p.end for p in released})
    close = [
        (a, b)
        for dates in (starts, ends)
        for a, b in itertools.pairwise(dates)
        if (b - a).days <= 1
    ]
    assert close == []
    assert not any(_a_day_apart(a, b) for a, b in itertools.combinations(released, 2))


def _reveals(a: dict, b: dict) -> list[str]:
    """What subtracting output ``a`` from output ``b`` gives away: a goal whose shown cohort
    (in the period or cumulatively) differs by 1 to 4 and whose met counts are shown too,
    so the results of those few people follow."""
    found = []
    for name, kpi in a["kpis"].items():
        other = b["kpis"][name]
        levels = {
            "period": (kpi, other),
            "cumulative": (kpi["cumulative"], other["cumulative"]),
        }
        for level, (x, y) in levels.items():
            values = [x["cohort"], y["cohort"], x["met"], y["met"]]
            if any(is_suppressed(v) for v in values):
                continue
            if 1 <= abs(y["cohort"] - x["cohort"]) <= 4:
                found.append(f"{name} {level}")
    return found


@pytest.mark.django_db
def test_the_one_person_a_day_apart_would_reveal_is_not_released(hela_manniskan, persona_client):
    """A synthetic population in which exactly one person's plan deadline falls on
    2026-10-01, late: the period to 2026-09-30 and the one to 2026-10-01 would give that
    person's result away, so the second is refused to the members; the released periods
    around it (September, October, the quarter) differ by a month's cohort."""
    for index in range(6):
        participant = person(hela_manniskan, start=date(2026, 7, 1 + index))  # D2 in August
        plan(participant, date(2026, 8, 1))
    late = person(hela_manniskan, start=date(2026, 8, 6))  # D2: 2026-10-01
    plan(late, date(2026, 10, 20))
    programme = default_programme()
    figures = {
        (start, end): protected_kpis(
            programme=programme, period=periods.custom(start, end), today=NOW.date()
        )
        for start, end in [
            (date(2026, 8, 1), date(2026, 9, 30)),
            (date(2026, 8, 1), date(2026, 10, 1)),
        ]
    }
    shorter, longer = figures.values()
    # The check finds the leak when both outputs are there (so the test can fail) ...
    # (K3's cumulative cohort moves that day too: D3 of the one who started on 2026-07-01.)
    assert {"plan_within_8_weeks period", "plan_within_8_weeks cumulative"} <= set(
        _reveals(shorter, longer)
    )
    # ... and the members cannot have the second one.
    refused = {"kind": "custom", "from": "2026-08-01", "to": "2026-10-01"}
    assert "whole calendar months" in str(_form(refused, released=True).errors)
    response = persona_client("steve").get(
        reverse("reporting:report"), refused, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "The period could not be read" in response.content.decode()
