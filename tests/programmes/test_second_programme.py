"""A second programme with other dates, targets, windows and age bins gets the figures its
own definitions give, computed here independently (plain Python over the rows this test
wrote, following docs/kpis.md), and the two programmes' figures never mix."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from cm_portal.models import Organisation
from cm_portal.programmes.services import programme_create, programme_goal_set
from participants.models import Participant
from reporting.kpis import compute_kpis
from tests.conftest import kept_for_many_tests
from tests.factories import OrganisationFactory, default_programme
from tests.reporting.helpers import crisis_plan, plan, prioritised, rating

pytestmark = pytest.mark.django_db

TODAY = date(2027, 6, 15)


@dataclass
class Case:
    """What the independent computation knows about one participant."""

    start: date
    end: date | None
    birth_year: int
    gender: str
    crisis: bool
    plan_on: date | None = None
    crisis_on: date | None = None
    contacts: list[tuple[str, date, date | None]] = field(default_factory=list)
    ratings: list[tuple[str, date, int, int]] = field(
        default_factory=list
    )  # phase, day, ucla, part


def add_months(day: date, months: int) -> date:
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def within(day: date | None, start: date | None, end: date) -> bool:
    return day is not None and day <= end and (start is None or day >= start)


def pct(met: int, cohort: int):
    return None if not cohort else round(100 * met / cohort, 1)


def goal_counts(cohort, met, excluded, pending) -> dict:
    return {
        "cohort": cohort,
        "met": met,
        "excluded": excluded,
        "pending": pending,
        "percent": pct(met, cohort),
    }


def window_goal(cases, window, start, end, today, *, crisis):
    """K2 / K5 by hand: cohort, met, excluded, pending and percent."""
    cohort = met = excluded = pending = 0
    for case in cases:
        if crisis and not case.crisis:
            continue
        established = case.crisis_on if crisis else case.plan_on
        due = case.start + timedelta(days=window)
        if not within(due, start, end):
            continue
        if (
            case.end is not None
            and case.end < due
            and not (established is not None and established <= case.end)
        ):
            excluded += 1
            continue
        in_time = established is not None and established <= due
        if in_time:
            met += 1
        if not in_time and due >= today:
            pending += 1
            continue
        cohort += 1
    return goal_counts(cohort, met, excluded, pending)


def horizon_goal(cases, months, start, end, today):
    cohort = met = excluded = pending = none = 0
    for case in cases:
        d3 = add_months(case.start, months)
        if not within(d3, start, end):
            continue
        if case.end is not None and case.end < d3:
            excluded += 1
            continue
        if d3 >= today:
            pending += 1
            continue
        cohort += 1
        due = [
            (status, planned, completed)
            for status, planned, completed in case.contacts
            if status != "cancelled"
            and (planned <= d3 or (completed is not None and completed <= d3))
        ]
        if not due:
            none += 1
        elif all(s == "completed" and c is not None and c <= d3 for s, _p, c in due):
            met += 1
    return {**goal_counts(cohort, met, excluded, pending), "no_contact_registered": none}


def rating_goal(cases, start, end):
    cohort = evaluable = met = 0
    for case in cases:
        if not within(case.end, start, end):
            continue
        cohort += 1
        baselines = sorted(r for r in case.ratings if r[0] == "baseline")
        follow_ups = sorted(r for r in case.ratings if r[0] == "follow_up")
        if not baselines or not follow_ups:
            continue
        evaluable += 1
        base, last = baselines[0], follow_ups[-1]
        if last[2] < base[2] or last[3] > base[3]:
            met += 1
    return {
        "cohort": cohort,
        "evaluable": evaluable,
        "missing_rating": cohort - evaluable,
        "met": met,
        "percent": pct(met, evaluable),
    }


def by_hand(cases, definition, start, end, today):
    """The programme's figures as docs/kpis.md defines them, by age group as well."""

    def goals(group):
        return goal_figures(group, definition, start, end, today)

    def age_group(case):
        age = case.start.year - case.birth_year
        for low, high in definition["bins"]:
            if low <= age <= high:
                return f"{low}-{high}"
        return "other"

    labels = [f"{low}-{high}" for low, high in definition["bins"]] + ["other"]
    return {
        "started": sum(within(c.start, start, end) for c in cases),
        "active": sum(c.start <= end and (c.end is None or c.end >= start) for c in cases),
        "ended": sum(within(c.end, start, end) for c in cases),
        "cumulative_started": sum(c.start <= end for c in cases),
        "goals": goals(cases),
        "cumulative": goal_figures(cases, definition, None, end, today),
        "by_age": {label: goals([c for c in cases if age_group(c) == label]) for label in labels},
    }


def goal_figures(cases, definition, start, end, today):
    """The four goals' figures of ``cases`` (``start`` None: cumulative up to ``end``)."""
    return {
        "plan_within_8_weeks": window_goal(
            cases, definition["plan_days"], start, end, today, crisis=False
        ),
        "prioritised_contacts_3_months": horizon_goal(
            cases, definition["horizon"], start, end, today
        ),
        "self_rating_improved": rating_goal(cases, start, end),
        "crisis_plan_within_8_weeks": window_goal(
            cases, definition["crisis_days"], start, end, today, crisis=True
        ),
    }


def make_cases(rng: random.Random, first: date, days: int, count: int) -> list[Case]:
    cases = []
    for _number in range(count):
        start = first + timedelta(days=rng.randrange(days))
        end = start + timedelta(days=rng.randint(10, 200)) if rng.random() < 0.4 else None
        if end is not None and end > TODAY:
            end = None
        case = Case(
            start=start,
            end=end,
            birth_year=start.year - rng.randint(17, 30),
            gender=rng.choice(["woman", "man", "non_binary", "not_stated"]),
            crisis=rng.random() < 0.4,
        )
        if rng.random() < 0.8:
            case.plan_on = start + timedelta(days=rng.randint(5, 80))
        if case.crisis and rng.random() < 0.7:
            case.crisis_on = start + timedelta(days=rng.randint(5, 80))
        for _contact in range(rng.randint(0, 3)):
            planned = start + timedelta(days=rng.randint(1, 120))
            status = rng.choice(["planned", "completed", "completed", "cancelled"])
            completed = (
                planned + timedelta(days=rng.randint(-5, 20)) if status == "completed" else None
            )
            if completed is not None and completed < start:
                completed = start
            case.contacts.append((status, planned, completed))
        if rng.random() < 0.8:
            case.ratings.append(
                ("baseline", start + timedelta(days=2), rng.randint(3, 9), rng.randint(1, 5))
            )
        if end is not None and rng.random() < 0.7:
            case.ratings.append(("follow_up", end, rng.randint(3, 9), rng.randint(1, 5)))
        cases.append(case)
    return cases


def write(cases: list[Case], organisation: Organisation, programme) -> None:
    for number, case in enumerate(cases):
        participant = Participant.objects.create(
            organisation=organisation,
            programme=programme,
            reference=f"{programme.slug[:6]}-{number}",
            birth_year=case.birth_year,
            gender=case.gender,
            entry_path="other",
            crisis_relevant=case.crisis,
            intervention_start=case.start,
            intervention_end=case.end,
        )
        if case.plan_on is not None:
            plan(participant, case.plan_on)
        if case.crisis_on is not None:
            crisis_plan(participant, case.crisis_on)
        for status, planned, completed in case.contacts:
            prioritised(participant, planned, status=status, completed_on=completed)
        for phase, day, ucla, participation in case.ratings:
            third, rest = divmod(ucla, 3)
            items = (third + (rest > 0), third + (rest > 1), third)
            rating(participant, phase, day, ucla=items, participation=participation)


OTHER = {
    "plan_days": 42,
    "crisis_days": 30,
    "horizon": 2,
    "bins": [[18, 20], [21, 24]],
    "targets": {
        "plan_within_window": 90,
        "prioritised_contacts_by_horizon": 50,
        "self_rating_improved": 40,
        "crisis_plan_within_window": 75,
    },
}
VAGLEDNING = {
    "plan_days": 56,
    "crisis_days": 56,
    "horizon": 3,
    "bins": [[18, 21], [22, 25], [26, 29]],
}


@pytest.fixture(scope="module")
def two_programmes_once(django_db_setup, django_db_blocker):
    """The two programmes and their 230 cases, written once for the module's tests (each
    test's own changes are rolled back after it, see ``kept_for_many_tests``)."""
    with kept_for_many_tests(django_db_blocker):
        with django_db_blocker.unblock():
            made = _two_programmes(default_programme())
        yield made


@pytest.fixture
def two_programmes(two_programmes_once, db):
    return two_programmes_once


def _two_programmes(vagledning):
    organisation = OrganisationFactory(slug="next-district")  # takes part in both
    other = programme_create(
        slug="next-district-cm",
        name="Next district",
        start=date(2027, 1, 1),
        end=date(2028, 6, 30),
        organisations=[organisation],
        age_bins=OTHER["bins"],
        actor=None,
    )
    programme_goal_set(programme=other, kind="participants_reached", target=12, actor=None)
    programme_goal_set(
        programme=other, kind="plan_within_window", window_days=42, target_percent=90, actor=None
    )
    programme_goal_set(
        programme=other,
        kind="prioritised_contacts_by_horizon",
        horizon_months=2,
        target_percent=50,
        actor=None,
    )
    programme_goal_set(programme=other, kind="self_rating_improved", target_percent=40, actor=None)
    programme_goal_set(
        programme=other,
        kind="crisis_plan_within_window",
        window_days=30,
        target_percent=75,
        actor=None,
    )
    rng = random.Random(20261207)
    cases_v = make_cases(rng, date(2026, 6, 1), 330, 70)
    cases_o = make_cases(rng, date(2027, 1, 1), 160, 70)
    write(cases_v, organisation, vagledning)
    write(cases_o, organisation, other)
    return vagledning, other, cases_v, cases_o


def compare(figures, expected, definition):
    people = figures["participants"]
    for key in ("started", "active", "ended", "cumulative_started"):
        assert people[key] == expected[key], key
    for name, values in expected["goals"].items():
        kpi = figures["kpis"][name]
        assert {k: kpi[k] for k in values} == values, name
        cumulative = expected["cumulative"][name]
        assert {k: kpi["cumulative"][k] for k in cumulative} == cumulative, name
        assert set(kpi["by_age_group"]) == set(expected["by_age"]), name
        for label, goals in expected["by_age"].items():
            cell = kpi["by_age_group"][label]
            assert {k: cell[k] for k in goals[name]} == goals[name], (name, label)


@pytest.mark.parametrize(
    ("period_from", "period_to"),
    [
        (date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 1, 1), date(2027, 12, 31)),
        (date(2027, 4, 1), date(2027, 8, 31)),
    ],
)
def test_each_programme_gets_the_figures_of_its_own_definitions(
    two_programmes, period_from, period_to
):
    vagledning, other, cases_v, cases_o = two_programmes
    for programme, cases, definition in (
        (other, cases_o, OTHER),
        (vagledning, cases_v, VAGLEDNING),
    ):
        figures = compute_kpis(
            period_from=period_from, period_to=period_to, programme=programme, today=TODAY
        )
        compare(figures, by_hand(cases, definition, period_from, period_to, TODAY), definition)


def test_the_targets_and_age_groups_are_the_programmes(two_programmes):
    _vagledning, other, _cases_v, _cases_o = two_programmes
    figures = compute_kpis(
        period_from=date(2027, 1, 1), period_to=date(2027, 6, 30), programme=other, today=TODAY
    )
    assert figures["participants"]["target"] == 12
    assert {name: kpi["target_percent"] for name, kpi in figures["kpis"].items()} == {
        "plan_within_8_weeks": 90,
        "prioritised_contacts_3_months": 50,
        "self_rating_improved": 40,
        "crisis_plan_within_8_weeks": 75,
    }
    assert list(figures["participants"]["by_age_group"]) == ["18-20", "21-24", "other"]


def test_the_two_programmes_figures_never_mix(two_programmes):
    vagledning, other, cases_v, cases_o = two_programmes
    period = {"period_from": date(2026, 1, 1), "period_to": date(2028, 12, 31), "today": TODAY}
    v = compute_kpis(programme=vagledning, **period)
    o = compute_kpis(programme=other, **period)
    assert v["participants"]["started"] == len(cases_v)
    assert o["participants"]["started"] == len(cases_o)
    # Deleting the other programme's cases leaves this programme's figures as they were.
    Participant.objects.filter(programme=other).delete()
    assert compute_kpis(programme=vagledning, **period) == v
