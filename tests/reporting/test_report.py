"""The on-screen steering-group report: figures of a known fixture, disclosure control, the
period chooser, the team lead's scope, the SVG chart, the access log and the query count."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cm_portal.models import AccessEvent
from reporting.periods import finished_project_quarters, project_to_date
from reporting.selectors import default_period
from tests.factories import default_programme

from .helpers import person, plan
from .helpers_report import IDENTITY_NUMBERS, NAMES, PERIOD_QUERY, known_fixture

pytestmark = pytest.mark.django_db

URL = reverse("reporting:report")
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def fixture_people(hela_manniskan):
    return known_fixture(hela_manniskan)


def _page(client, query=PERIOD_QUERY) -> str:
    response = client.get(URL, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def _table(html: str, table_id: str) -> str:
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.DOTALL)
    assert match, table_id
    return match.group(0)


def _rows(table: str) -> list[list[str]]:
    """The text of each body row's cells."""
    body = table.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        rows.append([unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def test_the_figures_of_the_known_fixture(fixture_people, persona_client):
    html = _page(persona_client("steve"))

    assert "Project quarter 2 (2026-08-01 to 2026-10-31)" in html
    # Months 1 to 6 are 2026-05 to 2026-10: the quarter ends the establishment phase.
    # The phase's name is the programme's (data, in Swedish).
    assert "Etablering (months 1 to 6)" in html
    assert "month 6 of 36" in html
    period = {row[0]: row for row in _rows(_table(html, "goals-period"))}
    k2 = period["K2 Individual plan within 8 weeks"]
    assert k2[2:6] == ["8", "7", "87.5 %", "Target met"]
    assert period["K1 Participants reached (started)"][3] == "3"
    # K4: one ended in the quarter, a cohort below 5: "< 5", its percentage not shown
    # (kpis.md; the cumulative figures carry it).
    k4 = period["K4 Self-rated improvement"]
    assert k4[2] == "< 5 (< 5 evaluable)"
    assert k4[5] == "Too few to show"
    cumulative = {row[0]: row for row in _rows(_table(html, "goals-cumulative"))}
    assert cumulative["K1 Participants reached (started)"][3] == "12"
    assert cumulative["K1 Participants reached (started)"][5] == "Below target"
    activity = dict(row for row in _rows(_table(html, "activity-table")))
    assert activity["Individual contacts"] == "3"
    assert activity["Unique persons"] == "1"
    quality = {row[0]: row[1:] for row in _rows(_table(html, "data-quality-table"))}
    warnings = list(quality.values())
    # Missing rating 1 (of K4's cohort of 1 in the quarter: "< 5"); no prioritised contact:
    # the 8 of July and the one who ended; 7 plans.
    assert warnings == [["< 5", "1"], ["9", "9"], ["7", "7"]]


def test_nothing_identifies_a_person(fixture_people, persona_client):
    html = _page(persona_client("steve"))

    for participant in fixture_people:
        assert participant.reference not in html
    for text in [*NAMES, *IDENTITY_NUMBERS, "Zelda", "sister", "2026-07-01", "2026-09-30"]:
        assert text not in html


def test_a_breakdown_cell_of_one_to_four_reads_less_than_five(fixture_people, persona_client):
    html = _page(persona_client("steve"))

    gender = {row[0]: row[1:] for row in _rows(_table(html, "breakdown-gender"))}
    # Columns: woman, man, non-binary/other, not stated. Two men: "< 5".
    assert gender["K2 Individual plan within 8 weeks: cohort"][1] == "< 5"
    # Started: 3 non-binary, the only non-zero cell: "< 5", and a zero hidden beside it.
    assert gender["Started in the period"][2] == "< 5"
    assert "\u2013" in gender["Started in the period"]
    # 6 women are shown, but the 2 men's hidden cell would follow from the total of 8:
    # the next smallest cell is hidden too.
    assert gender["K2 Individual plan within 8 weeks: cohort"][0] != "6"
    for cells in gender.values():
        for value in cells:
            assert value in {"< 5", "\u2013", "0"} or not value.strip("0123456789. %")


def test_the_chart_is_valid_svg_with_the_numbers_of_the_table(fixture_people, persona_client):
    html = _page(persona_client("steve"))

    charts = SVG.findall(html)
    assert len(charts) == 4
    trend = _rows(_table(html, "trend-table"))
    assert [row[0] for row in trend] == ["PQ 1", "PQ 2"]
    k2_chart = ET.fromstring(charts[0])  # noqa: S314 - our own markup
    assert k2_chart.get("role") == "img"
    title = k2_chart.find(f"{SVG_NS}title")
    assert title is not None and "K2" in title.text
    assert k2_chart.get("aria-labelledby") == "trend-k2-title trend-k2-desc"
    texts = [element.text for element in k2_chart.iter(f"{SVG_NS}text")]
    # PQ 2: 7 of 8, 87.5 %; PQ 1: one participant, so the percentage is hidden.
    assert trend[1][1] == "7 of 8 · 87.5 %"
    assert "87.5 %" in texts
    assert trend[0][1].endswith("\u2013")
    assert "Target 80 %" in texts
    assert ' style="' not in charts[0]
    # Each chart's bar labels are the percentages in its column of the table.
    for column, chart in enumerate(charts, start=1):
        texts = [element.text for element in ET.fromstring(chart).iter(f"{SVG_NS}text")]  # noqa: S314
        bars = texts[5 : 5 + 2 * len(trend) : 2]  # after the five axis ticks: value, label
        assert bars == [row[column].rsplit(" · ", 1)[1] for row in trend]


def test_before_the_first_quarter_ends_there_is_no_trend_yet(persona_client):
    html = _page(
        persona_client("steve"), {"kind": "custom", "from": "2026-05-01", "to": "2026-06-30"}
    )

    assert "<svg" not in html
    assert "the trend starts after the first one" in html


def test_default_period_is_the_latest_finished_project_quarter():
    assert default_period(default_programme(), date(2026, 11, 23)).label.startswith(
        "Project quarter 2 "
    )
    assert default_period(default_programme(), date(2026, 6, 1)) == project_to_date(
        default_programme(), date(2026, 6, 1)
    )
    assert default_period(default_programme(), date(2026, 1, 1)).label.startswith(
        "Project quarter 1 "
    )
    assert (
        default_period(default_programme(), date(2027, 2, 1))
        == finished_project_quarters(default_programme(), date(2027, 2, 1))[-1]
    )


def test_without_a_query_the_default_period_is_shown(persona_client):
    html = _page(persona_client("steve"), {})
    assert "could not be read" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "project_quarter", "n": "13"}, "Ensure this value is less than or equal to 12"),
        ({"kind": "project_quarter"}, "Fill this in for the kind of period you chose"),
        ({"kind": "nonsense"}, "Select a valid choice"),
        ({"kind": "custom", "from": "2026-09-01", "to": "2026-08-01"}, "give the earlier date"),
        ({"kind": "custom", "from": "yesterday", "to": "2026-08-01"}, "Enter a valid date"),
        ({"kind": "to_date", "to": "2026-01-01"}, "The programme starts on 2026-05-01"),
    ],
)
def test_a_bad_period_query_explains_itself(query, message, persona_client):
    # The team lead: the project to date is not released to the steering group (below).
    html = _page(persona_client("tess"), query)

    assert "The period could not be read" in html
    assert message in html


def test_the_team_lead_sees_only_their_organisation(fixture_people, district, persona_client):
    other = person(district, start=date(2026, 7, 1), gender="woman")
    plan(other, date(2026, 8, 1))

    def k2(persona: str) -> list[str]:
        html = _page(persona_client(persona))
        rows = {row[0]: row for row in _rows(_table(html, "goals-period"))}
        return rows["K2 Individual plan within 8 weeks"][2:4]

    assert k2("tess") == ["8", "7"]
    assert k2("steve") == ["9", "8"]
    assert "Figures for Hela Människan" in _page(persona_client("tess"))
    assert "Figures for every organisation taking part." in _page(persona_client("steve"))


def test_viewing_the_report_is_logged_without_personal_data(fixture_people, steve, persona_client):
    _page(persona_client("steve"))

    event = AccessEvent.objects.get(object_type="report")
    assert event.actor == steve
    assert event.action == AccessEvent.Action.VIEW
    assert event.detail == "2026-08-01..2026-10-31"


def test_the_nav_shows_reports_to_the_steering_group_and_team_leads(persona_client):
    assert URL in persona_client("steve").get(reverse("home"), follow=True).content.decode()
    assert URL in persona_client("tess").get(reverse("plans:dashboard")).content.decode()
    assert URL not in persona_client("alice").get(reverse("plans:dashboard")).content.decode()


# The report's queries do not grow with the participants: the figures of a period cost a
# constant (``protected_kpis``: one grouped query with SET LOCAL jit and a savepoint around
# it, three activity queries), and the trend costs the grouped query (4 queries) once per
# project quarter up to the period's end. Add the login (session, user, second factor),
# the data-quality query, the access-log row, and the two reads of frozen figures (the
# period's and the trend's; reporting.retention). Pinned for project quarters 2 and 3
# (trends of 2 and 3 quarters). The Intern-SIP sections add one: the programmes with that goal
# (none here; each adds five, tests/reporting/test_intern_sip_statistics.py); the research
# section one, the count of research consents.
# The programmes the member follows add three (the programmes, their goals and their
# phases); the Intern-SIP section is the programme's own (no query for the others).
# The equality view (reporting.equality) adds four: its grouped query with SET LOCAL jit
# and a savepoint around it.
QUERIES_PQ2 = 31
PER_QUARTER = 4


def _count(client, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        _page(client, query)
    return len(queries)


def test_the_query_count_does_not_grow_with_participants(
    hela_manniskan, persona_client, django_assert_num_queries
):
    client = persona_client("steve")
    known_fixture(hela_manniskan)
    _page(client)  # the session's first use may differ
    with django_assert_num_queries(QUERIES_PQ2):
        _page(client)
    known_fixture(hela_manniskan)
    known_fixture(hela_manniskan)

    with django_assert_num_queries(QUERIES_PQ2):
        _page(client)
    pq3 = _count(client, {"kind": "project_quarter", "n": "3"})
    assert pq3 - QUERIES_PQ2 == PER_QUARTER


def test_the_export_links_carry_the_period(persona_client):
    client = persona_client("steve")
    html = _page(client)

    links = re.findall(r'href="(/reports/export/[^"]+)"', html)
    assert len(links) == 3  # the statistics as CSV and XLSX, the account as CSV
    for link in links:
        assert "kind=project_quarter" in link and "n=2" in link
        response = client.get(unescape(link))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")


def test_the_report_renders_in_swedish(fixture_people, persona_client):
    response = persona_client("tess").get(URL, PERIOD_QUERY, HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 200
    assert '<html lang="sv">' in response.content.decode()
    assert "87,5 %" in response.content.decode()
