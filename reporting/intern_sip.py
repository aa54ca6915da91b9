"""The Intern-SIP statistics file (seed 004: "measured in a statistics file where we also
register age and gender; followed up monthly and reported in tertial report 1 and 2 and in
the annual report").

Per month, gender and age group: offers accepted, declined and asked for (by the offer's
date), Intern-SIP meetings held and follow-up meetings held (by the meeting date), and
escalations to the managers (by the escalation date). Age is the age in the month's year,
from the birth year, in the programme's age groups.

``monthly`` gives raw counts (operators, the ``intern_sip_statistics`` command); ``totals``
counts a whole period in one query of its own, so a test can hold the tertial and annual
figures to the sum of their months; ``protected`` applies the steering group's disclosure
control (``reporting.disclosure``) across the gender and age-group cells of each month.

Programmes: the statistics are per programme and month. With a ``programme`` the figures
cover its participants and its age groups (``Programme.age_bins``); without one, the whole
installation with the KPIs' age groups. The programme goal ``intern_sip_offered`` ("everyone
in the target group is offered an Intern-SIP") is ``offered_figure``, listed in
``GOAL_FIGURES`` by goal kind.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import ExtractYear, TruncMonth

from cm_portal.programmes.goals import GoalKind
from cm_portal.programmes.models import Programme
from participants.models import Participant
from plans.models import CoordinationMeeting, MeetingKind, MeetingOffer, MeetingStatus
from reporting.disclosure import HIDDEN, SMALL, SMALL_MAX, protect_breakdown
from reporting.kpis import GENDERS, OTHER_AGE, the_only_programme
from reporting.kpis import age_groups as programme_age_groups

FIGURES = (
    "offers_accepted",
    "offers_declined",
    "offers_asked_for",
    "meetings_held",
    "follow_up_meetings_held",
    "escalations",
)
_ANSWER_FIGURE = {
    "accepted": "offers_accepted",
    "declined": "offers_declined",
    "asked_for": "offers_asked_for",
}

Key = tuple[date, str, str]  # month (its first day), gender, age group


@dataclass(frozen=True)
class StatisticsRow:
    month: date
    gender: str
    age_group: str
    counts: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month.strftime("%Y-%m"),
            "gender": self.gender,
            "age_group": self.age_group,
            **self.counts,
        }


def age_groups(programme: Programme | None) -> dict[str, tuple[int, int]]:
    """The breakdown's age groups: the programme's bins, else those of the installation's
    only programme (docs/kpis.md)."""
    return programme_age_groups(programme if programme is not None else the_only_programme())


def age_group(age: int, groups: dict[str, tuple[int, int]] | None = None) -> str:
    for name, (low, high) in (groups or age_groups(None)).items():
        if low <= age <= high:
            return name
    return OTHER_AGE


def _participants(
    programme: Programme | None, organisation: object | None = None
) -> QuerySet[Participant]:
    participants = Participant.objects.all()
    if programme is not None:
        participants = participants.filter(programme=programme)
    if organisation is not None:
        participants = participants.filter(organisation=organisation)
    return participants


def _counted(
    programme: Programme | None,
    date_from: date,
    date_to: date,
    *,
    by_month: bool,
    organisation: object | None = None,
) -> Counter[tuple[Any, str, str, str]]:
    """(month or None, gender, age group, figure) to a count, from three grouped queries."""
    participants = _participants(programme, organisation)
    groups = age_groups(programme)
    result: Counter[tuple[Any, str, str, str]] = Counter()

    def add(rows, figure_of) -> None:
        for row in rows:
            month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
            key_month = month if by_month else None
            age = row["year"] - row["participant__birth_year"]
            figure = figure_of(row)
            cell = (key_month, row["participant__gender"], age_group(age, groups), figure)
            result[cell] += row["n"]

    offers = (
        MeetingOffer.objects.filter(
            participant__in=participants, offered_on__gte=date_from, offered_on__lte=date_to
        )
        .annotate(month=TruncMonth("offered_on"), year=ExtractYear("offered_on"))
        .values("month", "year", "participant__gender", "participant__birth_year", "answer")
        .annotate(n=Count("pk"))
        .order_by()
    )
    add(offers, lambda row: _ANSWER_FIGURE[row["answer"]])
    held = (
        CoordinationMeeting.objects.filter(
            participant__in=participants,
            kind=MeetingKind.INTERN_SIP,
            status=MeetingStatus.HELD,
            meeting_on__gte=date_from,
            meeting_on__lte=date_to,
        )
        .annotate(
            month=TruncMonth("meeting_on"),
            year=ExtractYear("meeting_on"),
            follow_up=ExpressionWrapper(Q(follow_up_of__isnull=False), output_field=BooleanField()),
        )
        .values("month", "year", "participant__gender", "participant__birth_year", "follow_up")
        .annotate(n=Count("pk"))
        .order_by()
    )
    add(held, lambda row: "follow_up_meetings_held" if row["follow_up"] else "meetings_held")
    escalated = (
        CoordinationMeeting.objects.filter(
            participant__in=participants,
            kind=MeetingKind.INTERN_SIP,
            escalated_on__gte=date_from,
            escalated_on__lte=date_to,
        )
        .annotate(month=TruncMonth("escalated_on"), year=ExtractYear("escalated_on"))
        .values("month", "year", "participant__gender", "participant__birth_year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    add(escalated, lambda row: "escalations")
    return result


def _months(date_from: date, date_to: date) -> list[date]:
    months = []
    month = date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _cells(programme: Programme | None) -> list[tuple[str, str]]:
    return [(str(g), a) for g in GENDERS for a in [*age_groups(programme), OTHER_AGE]]


def monthly(
    *,
    date_from: date,
    date_to: date,
    programme: Programme | None = None,
    organisation: object | None = None,
) -> list[StatisticsRow]:
    """Raw counts, one row per month, gender and age group (every combination, zeros too)."""
    counted = _counted(programme, date_from, date_to, by_month=True, organisation=organisation)
    return [
        StatisticsRow(
            month=month,
            gender=gender,
            age_group=group,
            counts={figure: counted[(month, gender, group, figure)] for figure in FIGURES},
        )
        for month in _months(date_from, date_to)
        for gender, group in _cells(programme)
    ]


def totals(
    *, date_from: date, date_to: date, programme: Programme | None = None
) -> dict[tuple[str, str], dict[str, int]]:
    """The whole period's counts by gender and age group, counted without months (a
    tertial or a year: reported in the tertial reports and the annual report)."""
    counted = _counted(programme, date_from, date_to, by_month=False)
    return {
        (gender, group): {figure: counted[(None, gender, group, figure)] for figure in FIGURES}
        for gender, group in _cells(programme)
    }


def protected(rows: list[StatisticsRow]) -> list[dict[str, Any]]:
    """The rows with disclosure control across each month's cells (1 to 4 shown as "< 5",
    a second cell hidden where one could be worked out from the month's total)."""
    result = []
    for month in sorted({row.month for row in rows}):
        cells = {f"{row.gender}/{row.age_group}": row.counts for row in rows if row.month == month}
        shown = protect_breakdown(cells)
        for key, counts in shown.items():
            gender, group = key.split("/")
            result.append(
                {"month": month.strftime("%Y-%m"), "gender": gender, "age_group": group, **counts}
            )
    return result


HEADER = ["month", "gender", "age_group", *FIGURES]


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook  # only the export needs it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Intern-SIP")
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row[name] for name in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the on-screen report and the steering group's exports ----------------------------------

# The pilot's goal (seed 004): everyone in the target group is offered an Intern-SIP.
OFFERED_TARGET_PERCENT = 100


def offered_figure(
    *,
    date_from: date,
    date_to: date,
    organisation: object | None = None,
    programme: Programme | None = None,
    target_percent: int = OFFERED_TARGET_PERCENT,
) -> dict[str, Any]:
    """The goal "offered to everyone in the target group": of the participants in the
    target group (the programme's, in its age range at the intervention start, in the
    support at some time in the period), how many had been offered an Intern-SIP (any
    answer, or asked for one) by the period's end, against the goal's target. Disclosure-
    controlled: a count of 1 to 4 is "< 5" and then the percentage is not shown."""
    group = (
        _participants(programme, organisation)
        .filter(intervention_start__lte=date_to)
        .exclude(intervention_end__lt=date_from)
    )
    if programme is not None:
        age = ExtractYear("intervention_start") - F("birth_year")
        group = group.alias(age=age)
        if programme.age_min is not None:
            group = group.filter(age__gte=programme.age_min)
        if programme.age_max is not None:
            group = group.filter(age__lte=programme.age_max)
        goal = programme.goals_by_kind.get(GoalKind.INTERN_SIP_OFFERED)
        if goal is not None and goal.target_percent is not None:
            target_percent = goal.target_percent
    cohort = group.count()
    offered = group.filter(meeting_offers__offered_on__lte=date_to).distinct().count()
    percent: float | str | None = round(100 * offered / cohort, 1) if cohort else None

    if 0 < cohort <= SMALL_MAX or 0 < offered <= SMALL_MAX or 0 < cohort - offered <= SMALL_MAX:
        percent = HIDDEN if cohort else None
    return {
        "cohort": _small(cohort),
        "offered": _small(offered),
        "percent": percent,
        "target_percent": target_percent,
    }


def report_section(
    *,
    date_from: date,
    date_to: date,
    organisation: object | None = None,
    programme: Programme | None = None,
) -> dict[str, Any]:
    """What the steering report shows for a programme: the goal, and each month's figures
    summed over the gender and age-group cells (then the period's), disclosure-controlled."""
    rows = monthly(
        date_from=date_from, date_to=date_to, organisation=organisation, programme=programme
    )
    months = []
    for month in sorted({row.month for row in rows}):
        summed = {f: sum(r.counts[f] for r in rows if r.month == month) for f in FIGURES}
        months.append((month, summed))
    whole = {f: sum(counts[f] for _month, counts in months) for f in FIGURES}
    protected_months = protect_breakdown(
        {month.strftime("%Y-%m"): counts for month, counts in months}
    )
    return {
        "programme": programme,
        "goal": offered_figure(
            date_from=date_from, date_to=date_to, organisation=organisation, programme=programme
        ),
        "months": list(protected_months.items()),
        "total": {f: _small(v) for f, v in whole.items()},
        "figures": FIGURES,
    }


def _small(value: int) -> int | str:
    return SMALL if 0 < value <= SMALL_MAX else value


# The figure of each programme goal kind this module computes (programmes.goals.CATALOGUE).
GOAL_FIGURES = {GoalKind.INTERN_SIP_OFFERED: offered_figure}


def programmes_with_the_goal() -> list[Programme]:
    """The programmes whose goals include "offered an Intern-SIP" (the pilot's), by name."""
    return list(
        Programme.objects.filter(goals__kind=GoalKind.INTERN_SIP_OFFERED)
        .prefetch_related("goals")
        .order_by("name")
    )


def report_sections(
    *, date_from: date, date_to: date, organisation: object | None = None
) -> list[dict[str, Any]]:
    """One section a programme with the Intern-SIP goal."""
    return [
        report_section(
            date_from=date_from, date_to=date_to, organisation=organisation, programme=programme
        )
        for programme in programmes_with_the_goal()
    ]


def export_file(
    *,
    user,
    period,
    client_address: str | None = None,
    file_format: str = "csv",
    programme: Programme | None = None,
) -> Any:
    """The statistics file of ``period`` for the steering group (every organisation) or a
    team lead (their own), disclosure-controlled, as CSV or XLSX; the export is logged."""
    from django.db import transaction

    from cm_portal import access_log
    from cm_portal.models import AccessEvent
    from reporting.exports import XLSX_CONTENT_TYPE, ExportFile, organisation_of

    rows = protected(
        monthly(
            date_from=period.start,
            date_to=period.end,
            organisation=organisation_of(user),
            programme=programme,
        )
    )
    stem = f"intern_sip_{programme.slug}" if programme is not None else "intern_sip"
    filename = f"{stem}_{period.file_stem}.{file_format}"
    with transaction.atomic():
        access_log.record(
            action=AccessEvent.Action.EXPORT,
            actor=user,
            client_address=client_address,
            object_type="report",
            detail=f"{filename} {period.start.isoformat()} {period.end.isoformat()}",
        )
    if file_format == "xlsx":
        return ExportFile(filename, as_xlsx(rows), content_type=XLSX_CONTENT_TYPE)
    return ExportFile(filename, as_csv(rows))
