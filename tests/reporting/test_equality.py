"""The equality view (issue 15, item 4): its figures against a computation by hand over a
seeded fixture, its disclosure control on real data, its query count, and its place on the
page and in the annual and final PDFs (not the quarterly)."""

from __future__ import annotations

import json
import random
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cm_portal import pdf as cm_pdf
from participants.models import Contact, EndReason
from plans.models import Goal, SubGoal
from reporting import equality, final_report, periods, services
from reporting.disclosure import HIDDEN, SMALL, is_suppressed, protect
from reporting.equality import equality_figures, protect_equality
from reporting.kpis import Scope, compute_kpis, goal_definitions
from reporting.models import ClosingKind, ReportKind, SteeringReport
from reporting.selectors import report_context
from tests.consent.helpers import use_temporary_storage
from tests.factories import default_programme
from tests.helpers import pdf_to_text

from .helpers import person, plan
from .helpers_final_report import start

pytestmark = pytest.mark.django_db

PERIOD_FROM = date(2026, 8, 1)
PERIOD_TO = date(2027, 1, 31)
TODAY = date(2027, 6, 1)
PATHS = ["hela_manniskan", "outreach", "district_support", "other"]
GENDERS = ["woman", "man", "non_binary", "not_stated"]
REASONS = [*EndReason.values, ""]
AGES = {"18-21": (18, 21), "22-25": (22, 25), "26-29": (26, 29)}


@dataclass
class Spec:
    """One made-up participant, as the test itself counts them."""

    gender: str
    age: int
    path: str
    start: date
    end: date | None
    plan_on: date | None
    goals: list[list[str]] = field(default_factory=list)  # sub-goal statuses per goal
    reason: str = ""  # the coded reason for ending ("" : none recorded)
    contacts: list[tuple[date, int]] = field(default_factory=list)

    @property
    def age_group(self) -> str:
        for name, (low, high) in AGES.items():
            if low <= self.age <= high:
                return name
        return "other"

    @property
    def reached(self) -> bool:
        return self.start <= PERIOD_TO and (self.end is None or self.end >= PERIOD_FROM)

    @property
    def has_plan(self) -> bool:
        return self.reached and self.plan_on is not None and self.plan_on <= PERIOD_TO

    @property
    def goals_met(self) -> bool:
        return (
            self.has_plan
            and bool(self.goals)
            and all("achieved" in goal and "open" not in goal for goal in self.goals)
        )


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def make_specs(seed: int, count: int) -> list[Spec]:
    rng = random.Random(seed)
    specs = []
    for _index in range(count):
        start = _day(rng, date(2026, 5, 1), date(2027, 3, 31))
        end = None
        if rng.random() < 0.4:
            end = min(start + timedelta(days=rng.randrange(10, 200)), TODAY)
        plan_on = None
        if rng.random() < 0.7:
            plan_on = start + timedelta(days=rng.randrange(5, 120))
        goals = [
            [
                rng.choice(["open", "achieved", "achieved", "dropped"])
                for _s in range(rng.randrange(0, 3))
            ]
            for _g in range(rng.randrange(0, 3))
        ]
        reason = rng.choice([*EndReason.values, ""]) if end else ""
        contacts = [
            (_day(rng, start, start + timedelta(days=240)), rng.choice([15, 30, 45, 60, 90]))
            for _c in range(rng.randrange(0, 6))
        ]
        specs.append(
            Spec(
                gender=rng.choice(GENDERS),
                age=rng.choice([18, 20, 21, 22, 24, 27, 29, 31, 40]),
                path=rng.choice(PATHS),
                start=start,
                end=end,
                plan_on=plan_on,
                goals=goals,
                contacts=contacts,
                reason=reason,
            )
        )
    return specs


def build(organisation, specs: list[Spec]) -> None:
    for spec in specs:
        participant = person(
            organisation,
            start=spec.start,
            end=spec.end,
            gender=spec.gender,
            birth_year=spec.start.year - spec.age,
        )
        participant.entry_path = spec.path
        participant.end_reason_code = spec.reason
        participant.save(update_fields=["entry_path", "end_reason_code"])
        if spec.plan_on is not None or spec.goals:
            individual_plan = plan(participant, spec.plan_on)
            for position, statuses in enumerate(spec.goals):
                goal = Goal.objects.create(plan=individual_plan, position=position, title="G")
                for status in statuses:
                    SubGoal.objects.create(goal=goal, title="S", status=status)
        for day, minutes in spec.contacts:
            Contact.objects.create(
                participant=participant, date=day, kind="meeting", duration_minutes=minutes
            )


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def expected(specs: list[Spec]) -> dict:
    """The raw figures of one group, counted here one participant at a time."""
    reached = [s for s in specs if s.reached]
    planned = [s for s in reached if s.has_plan]

    def in_period(spec: Spec) -> list[tuple[date, int]]:
        return [(d, m) for d, m in spec.contacts if PERIOD_FROM <= d <= PERIOD_TO]

    ended = [s for s in specs if s.end is not None and PERIOD_FROM <= s.end <= PERIOD_TO]
    return {
        "reached": len(reached),
        "started": sum(PERIOD_FROM <= s.start <= PERIOD_TO for s in specs),
        "ended": len(ended),
        **{
            f"end:{code or 'not_recorded'}": sum(s.reason == code for s in ended)
            for code in REASONS
        },
        "plan": len(planned),
        "goals_met": sum(s.goals_met for s in reached),
        **{f"path:{path}": sum(s.path == path for s in reached) for path in PATHS},
        "contacts_median": _median([len(in_period(s)) for s in reached]),
        "minutes_median": _median([sum(m for _d, m in in_period(s)) for s in reached]),
        "days_to_plan_median": _median([(s.plan_on - s.start).days for s in planned]),
    }


def _scope() -> Scope:
    return Scope(
        period_from=PERIOD_FROM, period_to=PERIOD_TO, today=TODAY, programme=default_programme()
    )


@pytest.mark.parametrize("counted_in", ["postgresql", "python"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_figures_match_a_count_by_hand(hela_manniskan, seed, counted_in, monkeypatch):
    if counted_in == "python":  # what SQLite (make run) counts with: no GROUPING SETS there
        monkeypatch.setattr(equality, "_grouped_rows", equality._grouped_rows_in_python)
    specs = make_specs(seed, 40)
    build(hela_manniskan, specs)
    raw = equality_figures(_scope())
    assert raw["all"] == expected(specs)
    for gender in GENDERS:
        assert raw["by_gender"][gender] == expected([s for s in specs if s.gender == gender])
    for group in [*AGES, "other"]:
        assert raw["by_age_group"][group] == expected([s for s in specs if s.age_group == group])
    for path in PATHS:
        assert raw["by_entry_path"][path] == expected([s for s in specs if s.path == path])
    # Started and ended are K1's (and K4's cohort): the same numbers as the KPI engine's.
    kpis = compute_kpis(
        period_from=PERIOD_FROM, period_to=PERIOD_TO, today=TODAY, programme=default_programme()
    )
    assert raw["all"]["started"] == kpis["participants"]["started"]
    assert raw["all"]["ended"] == kpis["kpis"]["self_rating_improved"]["cohort"]
    assert raw["all"]["reached"] == kpis["participants"]["active"]


def test_no_one_counted_gives_empty_groups(vagledning):
    raw = equality_figures(_scope())
    assert raw["all"]["reached"] == 0
    assert raw["all"]["contacts_median"] is None
    assert raw["by_gender"]["woman"]["plan"] == 0


def test_the_query_count_does_not_grow(hela_manniskan):
    # The programme as a report has it: its goals read once (the KPI engine reads them).
    scope = _scope()
    goal_definitions(scope.programme)
    build(hela_manniskan, make_specs(4, 5))
    with CaptureQueriesContext(connection) as few:
        equality_figures(scope)
    build(hela_manniskan, make_specs(5, 60))
    with CaptureQueriesContext(connection) as many:
        equality_figures(scope)
    assert len(few) == len(many) == 4  # savepoint, SET LOCAL jit, the query, release


def _kpis() -> dict:
    return protect(
        compute_kpis(
            period_from=PERIOD_FROM,
            period_to=PERIOD_TO,
            today=TODAY,
            programme=default_programme(),
        )
    )


def test_small_cells_and_medians_of_few_are_hidden(hela_manniskan):
    # Six women with plans, two men and five not stated without: the men's 2 is "< 5", and
    # the next smallest of the row (the five) is hidden too, or the total would give the
    # men's count away.
    women = [
        Spec("woman", 20, "outreach", date(2026, 9, 1), None, date(2026, 10, 1))
        for _index in range(6)
    ]
    men = [Spec("man", 20, "outreach", date(2026, 9, 1), None, None) for _index in range(2)]
    unstated = [
        Spec("not_stated", 20, "outreach", date(2026, 9, 1), None, None) for _index in range(5)
    ]
    build(hela_manniskan, women + men + unstated)
    shown = protect_equality(equality_figures(_scope()), _kpis())
    assert shown["gender:man"]["reached"] == SMALL
    assert shown["gender:not_stated"]["reached"] == HIDDEN
    assert shown["gender:woman"]["reached"] == 6
    assert shown["all"]["reached"] == 13
    assert shown["gender:man"]["contacts_median"] == HIDDEN  # over 2 people
    assert shown["gender:not_stated"]["contacts_median"] == HIDDEN  # its count is hidden
    assert shown["gender:woman"]["contacts_median"] == 0.0
    assert shown["all"]["days_to_plan_median"] == 30.0
    assert shown["gender:woman"]["days_to_plan_median"] == 30.0
    # The men's plan count is 0, but with their reached hidden nothing tells their 2 apart.
    assert shown["gender:man"]["days_to_plan_median"] == HIDDEN
    for column, cells in shown.items():
        for name, value in cells.items():
            if isinstance(value, int):
                assert not 1 <= value <= 4, (column, name, value)


def test_a_total_that_gives_a_small_part_away_is_hidden(hela_manniskan):
    # Eight in all, six with a plan: "no plan" is 2, so the total's plan count is hidden,
    # and its median with it.
    women = [
        Spec("woman", 20, "outreach", date(2026, 9, 1), None, date(2026, 10, 1))
        for _index in range(6)
    ]
    women += [Spec("woman", 20, "outreach", date(2026, 9, 1), None, None) for _index in range(2)]
    build(hela_manniskan, women)
    shown = protect_equality(equality_figures(_scope()), _kpis())
    assert shown["all"]["reached"] == 8
    assert shown["all"]["plan"] == HIDDEN
    assert shown["all"]["days_to_plan_median"] == HIDDEN


def test_the_page_shows_the_section_with_the_breakdowns_hidden_cells(hela_manniskan):
    build(hela_manniskan, make_specs(6, 30))
    period = periods.custom(PERIOD_FROM, PERIOD_TO)
    context = report_context(programme=default_programme(), period=period, today=TODAY)
    equality = context["equality"]
    gender = equality["tables"][0]
    assert [row["label"] for row in gender["rows"]][:2] == [
        "In the support during the period",
        "Started in the period",
    ]
    # The started row is the breakdown's started row, hidden where that one is.
    started = next(row for row in context["breakdowns"][0]["rows"])["cells"]
    assert gender["rows"][1]["cells"][:4] == started
    # The K rows read "met / counted (percent)", from the same protected figures.
    k3 = next(row for row in gender["rows"] if row["label"].startswith("K3"))
    k3_women = context["figures"]["kpis"]["prioritised_contacts_3_months"]["by_gender"]["woman"]
    assert k3["cells"][0].startswith(f"{k3_women['met']} / {k3_women['cohort']}")
    labels = [row["label"] for row in gender["rows"]]
    assert "Ended: Moved away" in labels
    funnel = equality["funnel"]
    assert len(funnel["rows"]) == len(PATHS) + 1
    for row in funnel["rows"]:
        for cell in row["cells"]:
            assert cell in (SMALL, HIDDEN) or not 1 <= int(cell) <= 4


def test_the_page_has_the_accessible_tables(hela_manniskan, persona_client):
    build(hela_manniskan, make_specs(7, 20))
    response = persona_client("steve").get(
        reverse("reporting:report"),
        {"kind": "custom", "from": PERIOD_FROM.isoformat(), "to": PERIOD_TO.isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="equality-gender"' in html
    assert 'id="equality-funnel"' in html
    section = html[html.index('id="equality-heading"') :]
    assert "<caption>" in section
    assert '<th scope="row">' in section
    assert 'data-label="' in section  # stacked at 375 px


@pytest.fixture
def storage(settings, tmp_path):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)


@pytest.mark.parametrize(
    ("kind", "shown"),
    [(ReportKind.ANNUAL, True), (ReportKind.FINAL, True), (ReportKind.QUARTERLY, False)],
)
def test_the_annual_and_final_pdfs_have_the_section(storage, hela_manniskan, kind, shown):
    build(hela_manniskan, make_specs(8, 25))
    programme = default_programme()
    period = {
        ReportKind.ANNUAL: periods.project_year(programme, 1),
        ReportKind.FINAL: periods.whole_programme(programme),
        ReportKind.QUARTERLY: periods.project_quarter(programme, 2),
    }[kind]
    report = SteeringReport(
        programme=programme, kind=kind, period_start=period.start, period_end=period.end
    )
    with translation.override("en"):
        text = pdf_to_text(services.steering_report_pdf(report))
    flat = " ".join(text.split())
    assert ("Equality: by gender and by age group" in flat) is shown
    assert ("From entry path to established plan to goals met" in flat) is shown
    if shown:
        assert "By gender: reach, support and results in the period" in flat
        assert "By age group at start: reach, support and results in the period" in flat
        assert "Days from start" in flat
        assert "Every goal of the plan met" in flat


def test_the_swedish_pdf_names_the_section(storage, hela_manniskan, settings):
    settings.LANGUAGE_CODE = "sv"
    build(hela_manniskan, make_specs(9, 10))
    programme = default_programme()
    period = periods.project_year(programme, 1)
    report = SteeringReport(
        programme=programme,
        kind=ReportKind.ANNUAL,
        period_start=period.start,
        period_end=period.end,
    )
    flat = " ".join(pdf_to_text(services.steering_report_pdf(report)).split())
    assert "Jämställdhet: efter kön och åldersgrupp" in flat
    assert is_suppressed(SMALL)


def test_the_composed_final_report_freezes_and_prints_the_section(storage, hela_manniskan, tess):
    build(hela_manniskan, make_specs(10, 20))
    document = start(ClosingKind.FINAL_REPORT, tess)
    document.figures = final_report.closing_figures(document, today=TODAY)
    # Frozen as JSON on the row: text only, after disclosure control.
    frozen = json.loads(json.dumps(document.figures["equality"]))
    assert frozen["tables"][0]["id"] == "equality-gender"
    assert frozen["funnel"]["rows"][-1]["label"] == "All entry paths"
    document.figures["equality"] = frozen
    text = pdf_to_text(cm_pdf.html_to_pdf(final_report.closing_pdf_html(document)))
    flat = " ".join(text.split())
    assert "Equality: by gender and by age group" in flat
    assert "From entry path to established plan to goals met" in flat
