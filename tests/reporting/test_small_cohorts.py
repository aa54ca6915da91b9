"""Small cohorts (issue 15, item 5; kpis.md): a goal whose cohort in the period is 1 to 4 reads
"< 5" for its cohort and met count, the same on the page, in the PDF, the CSV and the XLSX,
while its cumulative figures stay as they are. The case of the issue: a quarter in which
one person's plan deadline fell, late, read "0 / 1"."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cm_portal.tasks import render_pdf
from reporting import periods, services
from reporting.disclosure import HIDDEN, SMALL
from reporting.models import ReportKind, SteeringReport
from tests.consent.helpers import use_temporary_storage
from tests.factories import default_programme
from tests.helpers import pdf_to_text

from .helpers import person, plan

pytestmark = pytest.mark.django_db

Q2 = {"kind": "project_quarter", "n": "2"}  # 2026-08-01 to 2026-10-31
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.fixture(autouse=True)
def after_quarter_two():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def one_late_in_quarter_two(hela_manniskan):
    """Seven people whose plan deadline (start + 56 days) fell in quarter 1, six of them in
    time; one whose deadline fell in quarter 2, who had no plan by then."""
    for index in range(7):
        participant = person(hela_manniskan, start=date(2026, 5, 4 + index))
        plan(participant, date(2026, 6, 1) if index else None)
    late = person(hela_manniskan, start=date(2026, 8, 10))  # D2: 2026-10-05
    plan(late, date(2026, 11, 2))
    return late


def _k2_line(text: str) -> str:
    (line,) = [line for line in text.splitlines() if "Individual plan within 8 weeks" in line]
    return line


def test_the_page_shows_less_than_five_and_the_cumulative_figures(
    one_late_in_quarter_two, persona_client
):
    response = persona_client("steve").get(reverse("reporting:report"), Q2)
    html = response.content.decode()
    period = re.search(r'<table[^>]*id="goals-period".*?</table>', html, re.DOTALL).group(0)
    k2 = re.search(r"K2.*?</tr>", period, re.DOTALL).group(0)
    # Neither the cohort of 1 nor the 0 met: "< 5" both, the percentage not shown.
    assert '<td data-label="Cohort">&lt; 5</td>' in k2, k2
    assert '<td data-label="Met">&lt; 5</td>' in k2, k2
    assert '<td data-label="Percent">\u2013</td>' in k2, k2
    cumulative = re.search(r'<table[^>]*id="goals-cumulative".*?</table>', html, re.DOTALL)
    k2_cumulative = re.search(r"K2.*?</tr>", cumulative.group(0), re.DOTALL).group(0)
    assert ">8<" in k2_cumulative.replace(" ", "") and ">6<" in k2_cumulative.replace(" ", "")


def test_the_pdf_shows_less_than_five(one_late_in_quarter_two, settings, tmp_path, steve):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    report = services.steering_report_request(
        programme=default_programme(),
        period=periods.project_quarter(default_programme(), 2),
        kind=ReportKind.QUARTERLY,
        actor=steve,
    )
    render_pdf.apply(args=(SteeringReport._meta.label_lower, report.pk))
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        text = pdf_to_text(handle.read())
    # The goal table: target, "met / counted", percent and status, this period then
    # cumulatively (pdftotext drops the spaces around the slash).
    compact = re.sub(r"\s+", "", text)
    assert "K2Individual\u226580%<5/<5\u2013Toofewto6/875.0%" in compact, text


def _csv(response) -> dict[tuple[str, str, str], str]:
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return {(r["Figure"], r["Measure"], r["Breakdown"]): r["Value"] for r in rows}


def test_the_csv_shows_less_than_five(one_late_in_quarter_two, persona_client):
    response = persona_client("steve").get(reverse("reporting:export_csv"), Q2)
    assert response.status_code == 200
    values = _csv(response)
    k2 = "plan_within_8_weeks"
    assert values[(k2, "cohort", "Whole cohort")] == SMALL
    assert values[(k2, "met", "Whole cohort")] == SMALL
    assert values[(k2, "percent", "Whole cohort")] == HIDDEN
    assert values[(k2, "cohort", "Cumulative, from the start")] == "8"
    assert values[(k2, "met", "Cumulative, from the start")] == "6"


def test_the_xlsx_shows_less_than_five(one_late_in_quarter_two, persona_client):
    from openpyxl import load_workbook

    response = persona_client("steve").get(reverse("reporting:export_xlsx"), Q2)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    (name,) = [name for name in workbook.sheetnames if name.startswith("K2")]
    table = list(workbook[name].iter_rows(values_only=True))
    header = next(row for row in table if row and "Cohort" in row)
    cohort, met = header.index("Cohort"), header.index("Met")
    by_breakdown = {row[0]: row for row in table[table.index(header) + 1 :] if row and row[0]}
    whole = by_breakdown["Whole cohort"]
    assert (whole[cohort], whole[met]) == (SMALL, SMALL)
    cumulative = by_breakdown["Cumulative, from the start"]
    assert (cumulative[cohort], cumulative[met]) == (8, 6)


def test_a_cohort_of_five_is_shown_as_it_is(hela_manniskan, persona_client):
    for index in range(5):
        participant = person(hela_manniskan, start=date(2026, 8, 3 + index))
        plan(participant, date(2026, 9, 1) if index else None)
    values = _csv(persona_client("steve").get(reverse("reporting:export_csv"), Q2))
    assert values[("plan_within_8_weeks", "cohort", "Whole cohort")] == "5"
    assert values[("plan_within_8_weeks", "met", "Whole cohort")] == "4"


def test_a_team_leads_own_figures_follow_the_same_rule(one_late_in_quarter_two, persona_client):
    values = _csv(persona_client("tess").get(reverse("reporting:export_csv"), Q2))
    assert values[("plan_within_8_weeks", "cohort", "Whole cohort")] == SMALL
