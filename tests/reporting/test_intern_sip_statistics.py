"""The Intern-SIP statistics file: per month, gender and age group; the tertial's and the
year's figures (counted without months) equal the sum of their months; disclosure control;
the command's CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from cm_portal.programmes.services import programme_create, programme_goal_set
from participants.services import participant_register
from plans.models import CoordinationMeeting, MeetingInvitee, MeetingOffer, MeetingStatus
from reporting import intern_sip
from reporting.disclosure import HIDDEN, SMALL
from reporting.periods import tertial
from tests.factories import default_programme

pytestmark = pytest.mark.django_db

YEAR = 2026


def statistics_command(
    date_from: str, date_to: str, *, stdout, format: str | None = None, programme: str | None = None
) -> None:
    """``manage.py intern_sip_statistics --from ... --to ...`` with the options given."""
    options = ["--from", date_from, "--to", date_to]
    if format is not None:
        options += ["--format", format]
    if programme is not None:
        options += ["--programme", programme]
    call_command("intern_sip_statistics", *options, stdout=stdout)


def pilot_of(organisation, target_percent=90):
    pilot = programme_create(
        slug="pilot",
        name="Intern-SIP pilot",
        start=date(YEAR, 1, 1),
        end=date(YEAR + 1, 12, 31),
        organisations=[organisation],
        age_min=18,
        age_max=21,
        age_bins=[[18, 19], [20, 21]],
        entry_paths=["outreach"],
        reporting_periods=["month", "tertial"],
    )
    programme_goal_set(
        programme=pilot, kind="intern_sip_offered", target_percent=target_percent, actor=None
    )
    return pilot


def person(alice, organisation, gender, birth_year, programme=None):
    return participant_register(
        programme=programme,
        organisation=organisation,
        actor=alice,
        display_name="Anonym",
        birth_year=birth_year,
        gender=gender,
        entry_path="outreach",
        crisis_relevant=False,
        intervention_start=date(YEAR, 1, 1),
    )


def meeting(participant, day, *, follows=None, escalated=False):
    # Written directly: the services refuse dates this far from today's; the figures are
    # what is tested here (the services' rules have their own tests).
    row = CoordinationMeeting.objects.create(
        participant=participant,
        kind="intern_sip",
        status=MeetingStatus.HELD,
        participant_agreed=True,
        meeting_on=day,
        lead_unit="" if escalated else "Vuxenenheten",
        escalated_on=day if escalated else None,
        follow_up_of=follows,
        created_at=timezone.now(),
    )
    MeetingInvitee.objects.create(meeting=row, name="Vuxenenheten")
    return row


@pytest.fixture
def data(alice, hela_manniskan):
    woman = person(alice, hela_manniskan, "woman", YEAR - 19)  # 18-21
    man = person(alice, hela_manniskan, "man", YEAR - 24)  # 22-25
    answers = ["accepted", "declined", "asked_for"]
    for month in range(1, 9):
        for n in range(month % 4):
            MeetingOffer.objects.create(
                participant=woman if n % 2 else man,
                offered_on=date(YEAR, month, 1 + n),
                unit="Vuxenenheten",
                answer=answers[(month + n) % 3],
            )
    first = meeting(woman, date(YEAR, 2, 10))
    meeting(woman, date(YEAR, 4, 30), follows=first)
    meeting(man, date(YEAR, 3, 31), escalated=True)
    meeting(man, date(YEAR, 5, 1))  # tertial 2
    return woman, man


def test_the_tertial_and_the_year_equal_the_sum_of_their_months(data):
    for period in (tertial(YEAR, 1), tertial(YEAR, 2)):
        months = intern_sip.monthly(date_from=period.start, date_to=period.end)
        assert {row.month for row in months} == {
            date(YEAR, m, 1) for m in range(period.start.month, period.end.month + 1)
        }
        whole = intern_sip.totals(date_from=period.start, date_to=period.end)
        for (gender, group), counts in whole.items():
            for figure, value in counts.items():
                assert value == sum(
                    row.counts[figure]
                    for row in months
                    if (row.gender, row.age_group) == (gender, group)
                ), (period, gender, group, figure)
    year = intern_sip.totals(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31))
    t1 = intern_sip.totals(date_from=tertial(YEAR, 1).start, date_to=tertial(YEAR, 1).end)
    t2 = intern_sip.totals(date_from=tertial(YEAR, 2).start, date_to=tertial(YEAR, 2).end)
    t3 = intern_sip.totals(date_from=tertial(YEAR, 3).start, date_to=tertial(YEAR, 3).end)
    for cell, counts in year.items():
        for figure, value in counts.items():
            assert value == t1[cell][figure] + t2[cell][figure] + t3[cell][figure]


def test_figures_land_in_their_month_gender_and_age_group(data):
    rows = intern_sip.monthly(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 5, 31))
    by_key = {(row.month.month, row.gender, row.age_group): row.counts for row in rows}
    assert by_key[(2, "woman", "18-21")]["meetings_held"] == 1
    assert by_key[(4, "woman", "18-21")]["follow_up_meetings_held"] == 1
    assert by_key[(4, "woman", "18-21")]["meetings_held"] == 0
    assert by_key[(3, "man", "22-25")]["escalations"] == 1
    assert by_key[(5, "man", "22-25")]["meetings_held"] == 1
    offers = sum(
        counts[figure]
        for counts in by_key.values()
        for figure in ("offers_accepted", "offers_declined", "offers_asked_for")
    )
    assert offers == MeetingOffer.objects.filter(offered_on__lte=date(YEAR, 5, 31)).count()


def test_small_counts_are_suppressed_for_the_steering_group(data):
    rows = intern_sip.monthly(date_from=date(YEAR, 2, 1), date_to=date(YEAR, 2, 28))
    shown = intern_sip.protected(rows)
    woman = next(r for r in shown if (r["gender"], r["age_group"]) == ("woman", "18-21"))
    assert woman["meetings_held"] == SMALL
    assert all(not isinstance(r["meetings_held"], int) or r["meetings_held"] == 0 for r in shown)


def test_the_command_prints_csv_and_json_one_row_per_month_gender_and_age_group(data):
    out = StringIO()
    statistics_command(f"{YEAR}-01-01", f"{YEAR}-04-30", format="json", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 4 * 4 * 4  # months, genders, three age groups and "other"
    row = next(
        r
        for r in rows
        if (r["month"], r["gender"], r["age_group"]) == (f"{YEAR}-02", "woman", "18-21")
    )
    assert row["meetings_held"] == 1  # raw counts, not "< 5"
    out = StringIO()
    statistics_command(f"{YEAR}-01-01", f"{YEAR}-04-30", format="csv", stdout=out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(table) == len(rows)
    assert list(table[0]) == intern_sip.HEADER


def test_the_command_refuses_an_unknown_programme_and_format(data):
    with pytest.raises(CommandError, match="programme"):
        statistics_command(f"{YEAR}-01-01", f"{YEAR}-01-31", programme="pilot", stdout=StringIO())
    with pytest.raises(CommandError, match="format"):
        statistics_command(f"{YEAR}-01-01", f"{YEAR}-01-31", format="xml", stdout=StringIO())


def test_the_xlsx_holds_the_same_rows(data):
    from openpyxl import load_workbook

    rows = intern_sip.protected(
        intern_sip.monthly(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 1, 31))
    )
    sheet = load_workbook(io.BytesIO(intern_sip.as_xlsx(rows))).active
    values = list(sheet.values)
    assert list(values[0]) == intern_sip.HEADER
    assert len(values) == len(rows) + 1


def test_the_goal_offered_to_everyone_in_the_target_group(alice, hela_manniskan):
    people = [person(alice, hela_manniskan, "man", YEAR - 20) for _ in range(12)]
    for someone in people[:6]:
        MeetingOffer.objects.create(
            participant=someone, offered_on=date(YEAR, 3, 1), unit="Vuxenenheten", answer="declined"
        )
    figure = intern_sip.offered_figure(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 4, 30))
    assert figure == {"cohort": 12, "offered": 6, "percent": 50.0, "target_percent": 100}
    # Before the offers were made nobody had been offered one.
    early = intern_sip.offered_figure(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 2, 28))
    assert (early["offered"], early["percent"]) == (0, 0.0)
    # Three not offered could be worked out: the percentage is not shown.
    for someone in people[6:9]:
        MeetingOffer.objects.create(
            participant=someone, offered_on=date(YEAR, 3, 2), unit="Vuxenenheten", answer="accepted"
        )
    hidden = intern_sip.offered_figure(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 4, 30))
    assert hidden["percent"] == HIDDEN


def test_the_report_page_shows_the_section_and_the_exports_download(data, steve, hela_manniskan):
    from tests.consent.helpers import english_client

    pilot = pilot_of(hela_manniskan)
    # The pilot's own participants: the data's are in the installation's default programme.
    person(steve, hela_manniskan, "woman", YEAR - 19, programme=pilot)
    # The pilot's report is its members' (issue 14): steve follows it too.
    pilot.members.add(steve)
    query = {"programme": pilot.slug, "kind": "tertial", "year": YEAR, "t": "1"}
    client = english_client(steve)
    page = client.get(reverse("reporting:report"), query)
    assert page.status_code == 200, page.content.decode()[:500]
    text = page.content.decode()
    assert "intern-sip-months-pilot" in text
    assert "Intern-SIP: Intern-SIP pilot" in text
    assert "target 90 %" in text
    assert f"{YEAR}-02" in text
    response = client.get(reverse("reporting:export_intern_sip_csv"), query)
    assert response.status_code == 200
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Four months, four genders, the pilot's two age groups and "other".
    assert len(table) == 4 * 4 * 3
    assert {row["meetings_held"] for row in table} <= {"0", SMALL, HIDDEN}
    xlsx = client.get(reverse("reporting:export_intern_sip_xlsx"), query)
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")


def test_per_programme_its_participants_and_age_groups_and_its_goal(alice, hela_manniskan):
    pilot = pilot_of(hela_manniskan)
    inside = [person(alice, hela_manniskan, "man", YEAR - 19, programme=pilot) for _ in range(6)]
    too_old = person(alice, hela_manniskan, "man", YEAR - 25, programme=pilot)
    elsewhere = person(alice, hela_manniskan, "man", YEAR - 19, programme=default_programme())
    for someone in [*inside[:5], too_old, elsewhere]:
        MeetingOffer.objects.create(
            participant=someone, offered_on=date(YEAR, 3, 1), unit="Vuxenenheten", answer="accepted"
        )
    rows = intern_sip.monthly(
        date_from=date(YEAR, 3, 1), date_to=date(YEAR, 3, 31), programme=pilot
    )
    assert {row.age_group for row in rows} == {"18-19", "20-21", "other"}
    counts = {(row.gender, row.age_group): row.counts["offers_accepted"] for row in rows}
    assert counts[("man", "18-19")] == 5
    assert counts[("man", "other")] == 1  # in the programme, outside its age groups
    assert sum(counts.values()) == 6  # not the default programme's participant
    goal = intern_sip.offered_figure(
        date_from=date(YEAR, 1, 1), date_to=date(YEAR, 4, 30), programme=pilot
    )
    # The target group is the programme's age range: the 25-year-old is not in it.
    assert (goal["cohort"], goal["offered"], goal["target_percent"]) == (6, 5, 90)
    assert goal["percent"] == HIDDEN  # one not offered could be singled out
    out = StringIO()
    statistics_command(
        f"{YEAR}-03-01", f"{YEAR}-03-31", programme="pilot", format="json", stdout=out
    )
    printed = json.loads(out.getvalue())
    assert len(printed) == 4 * 3
    assert sum(row["offers_accepted"] for row in printed) == 6
    assert intern_sip.GOAL_FIGURES["intern_sip_offered"] is intern_sip.offered_figure
