"""The statistics export and the account to the district: CSV, disclosure-controlled."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from cm_portal.models import AccessEvent
from reporting.disclosure import HIDDEN, SMALL, protect
from reporting.exports import account_csv, statistics_csv, statistics_rows
from reporting.periods import project_quarter
from tests.factories import default_programme

from .helpers import activity_record, person, plan
from .helpers_disclosure import Person, figures_of

pytestmark = pytest.mark.django_db

QUARTER_ONE = {"kind": "project_quarter", "n": "1"}
START = date(2026, 5, 4)


def _rows(response) -> list[dict[str, str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def _some_people(organisation, genders):
    for index, gender in enumerate(genders):
        participant = person(
            organisation,
            start=START,
            gender=gender,
            birth_year=START.year - 20,
            end=None,
        )
        plan(participant, date(2026, 5, 20) if index % 3 else None)


def _value(rows, figure, measure, breakdown, cell="all") -> str:
    (row,) = [
        r
        for r in rows
        if (r["Figure"], r["Measure"], r["Breakdown"], r["Cell"])
        == (figure, measure, breakdown, cell)
    ]
    return row["Value"]


def test_the_csv_with_suppressed_cells_parses_back():
    people = [Person()] * 9 + [Person(gender="man", age_group="other", k2="not_met")] * 2
    shown = protect(figures_of(people))
    content = statistics_csv(shown, project_quarter(default_programme(), 1))
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(statistics_rows(shown))
    values = {row["Value"] for row in rows}
    assert SMALL in values
    assert HIDDEN in values
    assert "" in values  # the percentage of an empty cohort
    assert _value(rows, "plan_within_8_weeks", "cohort", "By gender", "man") == SMALL
    assert _value(rows, "plan_within_8_weeks", "cohort", "Whole cohort") == "11"
    for row in rows:
        assert row["Period from"] == "2026-05-01"
        assert row["Period to"] == "2026-07-31"
        assert not row["Value"].startswith(("=", "+", "-", "@"))
        if row["Value"] not in (SMALL, HIDDEN, ""):
            # The Swedish way: a comma as the decimal sign, never a point.
            assert "." not in row["Value"]
            float(row["Value"].replace(",", "."))


def test_every_figure_has_its_rows():
    rows = statistics_rows(protect(figures_of([Person()] * 6)))
    keys = {(row["figure"], row["breakdown"]) for row in rows}
    for figure in (
        "plan_within_8_weeks",
        "prioritised_contacts_3_months",
        "self_rating_improved",
        "crisis_plan_within_8_weeks",
    ):
        for breakdown in ("total", "cumulative", "by_gender", "by_age_group"):
            assert (figure, breakdown) in keys
    assert ("participants", "by_gender") in keys
    assert ("activity", "total") in keys


def test_account_csv():
    activity = {
        "individual_contacts": 12,
        "unique_persons": 7,
        "information_sessions": 2,
        "information_attendees": 35,
        "outreach_occasions": 3,
        "outreach_hours": 4.5,
        "outreach_people_reached": 40,
        "meetings_held": 1,
    }
    content = account_csv(activity, project_quarter(default_programme(), 2))
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert [row["Figure"] for row in rows] == [
        "individual_contacts",
        "unique_persons",
        "information_sessions",
        "information_attendees",
        "outreach_occasions",
        "outreach_hours",
        "outreach_people_reached",
    ]
    assert rows[5]["Value"] == "4,5"  # a decimal comma, as Swedish Excel reads it
    assert rows[0]["Period from"] == "2026-08-01"


def test_steering_group_downloads_the_statistics(persona_client, hela_manniskan, district):
    _some_people(hela_manniskan, ["woman"] * 7 + ["man"] * 2)
    _some_people(district, ["woman"] * 5)
    response = persona_client("steve").get(reverse("reporting:export_csv"), QUARTER_ONE)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="statistics_2026-05-01_2026-07-31.csv"'
    )
    rows = _rows(response)
    # Both organisations: 14 people started, 2 men shown as "< 5".
    assert _value(rows, "participants", "started", "Whole cohort") == "14"
    assert _value(rows, "participants", "started", "By gender", "man") == SMALL
    assert _value(rows, "participants", "started", "By gender", "woman") == HIDDEN
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert event.object_type == "report"
    assert event.detail == "statistics.csv 2026-05-01 2026-07-31"
    assert event.actor.email == "steve@district.example"


def test_no_person_appears_in_the_export(persona_client, hela_manniskan):
    _some_people(hela_manniskan, ["woman"] * 6)
    response = persona_client("steve").get(reverse("reporting:export_csv"), QUARTER_ONE)
    text = response.content.decode("utf-8-sig")
    assert "K-" not in text  # the helpers' references
    assert "2026-05-04" not in text  # a start date of a person
    assert "2026-05-20" not in text  # a plan date


def test_a_team_lead_gets_their_own_organisation(persona_client, hela_manniskan, district):
    _some_people(hela_manniskan, ["woman"] * 6)
    _some_people(district, ["woman"] * 5)
    response = persona_client("tess").get(reverse("reporting:export_csv"), QUARTER_ONE)
    assert response.status_code == 200
    assert _value(_rows(response), "participants", "started", "Whole cohort") == "6"


def test_the_account_to_the_district(persona_client, hela_manniskan, district):
    for organisation, reached in ((hela_manniskan, 25), (district, 100)):
        activity_record(
            organisation, "information_session", START, minutes=60, people_reached=reached
        )
    url = reverse("reporting:export_account_csv")
    response = persona_client("tess").get(url, QUARTER_ONE)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="account_2026-05-01_2026-07-31.csv"'
    )
    values = {row["Figure"]: row["Value"] for row in _rows(response)}
    assert values["information_sessions"] == "1"
    assert values["information_attendees"] == "25"
    response = persona_client("steve").get(url, QUARTER_ONE)
    values = {row["Figure"]: row["Value"] for row in _rows(response)}
    assert values["information_attendees"] == "125"
    details = list(
        AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).values_list(
            "detail", flat=True
        )
    )
    assert details == ["account.csv 2026-05-01 2026-07-31"] * 2


def test_without_a_period_the_chooser_is_shown(persona_client):
    response = persona_client("steve").get(reverse("reporting:export_csv"))
    assert response.status_code == 200
    assert b"Kind of period" in response.content
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_a_wrong_period_says_what_to_do(persona_client):
    client = persona_client("steve")
    query = {"kind": "project_quarter", "n": "13"}
    response = client.get(reverse("reporting:export_csv"), query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b"less than or equal to 12" in response.content
    assert b"is-invalid" in response.content
    query = {"kind": "custom", "from": "2026-09-01", "to": "2026-08-01"}
    response = client.get(reverse("reporting:export_account_csv"), query)
    assert response.status_code == 400
    assert b"give the earlier date first" in response.content
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "dana", "ada"])
def test_others_are_refused(persona, persona_client):
    for name in ("reporting:export_csv", "reporting:export_account_csv"):
        response = persona_client(persona).get(reverse(name), QUARTER_ONE)
        assert response.status_code == 403
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_anonymous_goes_to_the_login(persona_client):
    response = persona_client("anonymous").get(reverse("reporting:export_csv"), QUARTER_ONE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_post_is_not_allowed(persona_client):
    response = persona_client("steve").post(reverse("reporting:export_csv"), QUARTER_ONE)
    assert response.status_code == 405


def test_the_statistics_as_a_spreadsheet_keep_the_suppressed_cells(
    persona_client, hela_manniskan, district
):
    """The XLSX holds the CSV's table: suppressed cells present, numbers as numbers."""
    from openpyxl import load_workbook

    _some_people(hela_manniskan, ["woman"] * 7 + ["man"] * 2)
    _some_people(district, ["woman"] * 5)
    response = persona_client("steve").get(reverse("reporting:export_xlsx"), QUARTER_ONE)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="statistics_2026-05-01_2026-07-31.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.content))
    # One sheet per table: the participants, the four percentage goals and the activity.
    names = workbook.sheetnames
    assert len(names) == 6 and names[0] == "Participants" and names[-1] == "Activities", names
    assert all(name.startswith(f"K{n}") for n, name in zip(range(2, 6), names[1:5], strict=True))
    sheet = workbook[workbook.sheetnames[0]]
    table = [row for row in sheet.iter_rows(values_only=True)]
    header = table[3]
    rows = {row[1]: row for row in table[4:]}
    started = header.index("Started")
    assert rows["All"][started] == 14
    assert rows["Man"][started] == SMALL
    assert rows["Woman"][started] == HIDDEN
    # Numbers are numbers with a number format, not text.
    number_cells = [c for row in sheet.iter_rows(min_row=5) for c in row if c.data_type == "n"]
    assert number_cells and all(
        c.number_format in ("0", "0.0") for c in number_cells if c.value is not None
    )
    goal = workbook[workbook.sheetnames[1]]
    goal_header = [c.value for c in next(goal.iter_rows(min_row=4, max_row=4))]
    assert {"Cohort", "Met", "Percent"} <= set(goal_header)
    percent_cells = [
        row[goal_header.index("Percent")]
        for row in goal.iter_rows(min_row=5)
        if isinstance(row[goal_header.index("Percent")].value, float)
    ]
    assert all(cell.number_format == "0.0" for cell in percent_cells)
    text = " ".join(str(cell) for row in table for cell in row)
    assert "K-" not in text
