"""The logged contacts of a period, counted from ``reporting.models.ContactMonth`` (one row per
participant and calendar month, kept current by PostgreSQL's triggers: see the model) for the
period's whole months, and from the contacts themselves for the days of a month it covers in
part. The activity figures (``individual_contacts``, ``unique_persons``) and the equality
view's contacts and minutes per participant read :func:`per_participant_sql`; a database
without the table (SQLite) counts the contacts (``reporting.kpis.facts_maintained``).

:func:`differences` compares the table with the contacts (``manage.py verify_kpi_facts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from cm_portal.models import Organisation
from cm_portal.programmes.models import Programme
from participants.models import Contact

from .models import ContactMonth


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def whole_months(period_from: date, period_to: date) -> tuple[date, date]:
    """``[first, after)``: the first days of the whole calendar months inside the period
    (``first >= after`` when there is none)."""
    first = period_from if period_from.day == 1 else _first_of_next_month(period_from)
    after = _first_of_next_month(period_to)
    if after - timedelta(days=1) != period_to:
        after = period_to.replace(day=1)  # the last month is covered in part only
    return first, after


def _partial_days(period_from: date, period_to: date) -> list[tuple[date, date]]:
    """The days of the period outside its whole months, as ``[from, to]`` ranges."""
    first, after = whole_months(period_from, period_to)
    if first >= after:
        return [(period_from, period_to)]
    ranges = []
    if period_from < first:
        ranges.append((period_from, first - timedelta(days=1)))
    if after <= period_to:
        ranges.append((after, period_to))
    return ranges


def per_participant_sql(
    *,
    programme: Programme,
    organisation: Organisation | None,
    period_from: date,
    period_to: date,
) -> tuple[str, list]:
    """SQL giving ``participant_id, contacts, minutes`` for every participant of the
    programme (and organisation) with a contact dated in ``[period_from, period_to]``."""
    first, after = whole_months(period_from, period_to)
    parts, params = [], []
    if first < after:
        organisation_sql = "" if organisation is None else " AND m.organisation_id = %s"
        parts.append(
            "SELECT m.participant_id, m.contacts, m.minutes FROM reporting_contactmonth m"  # noqa: S608
            f" WHERE m.programme_id = %s AND m.month >= %s AND m.month < %s{organisation_sql}"
        )
        params += [programme.pk, first, after]
        if organisation is not None:
            params.append(organisation.pk)
    for day_from, day_to in _partial_days(period_from, period_to):
        organisation_sql = "" if organisation is None else " AND p.organisation_id = %s"
        parts.append(
            "SELECT c.participant_id, 1, c.duration_minutes FROM participants_contact c"  # noqa: S608
            " JOIN participants_participant p ON p.id = c.participant_id"
            f" WHERE p.programme_id = %s AND c.date >= %s AND c.date <= %s{organisation_sql}"
        )
        params += [programme.pk, day_from, day_to]
        if organisation is not None:
            params.append(organisation.pk)
    union = " UNION ALL ".join(parts)
    sql = (
        "SELECT participant_id, SUM(contacts) AS contacts, SUM(minutes) AS minutes"  # noqa: S608 - no input
        f" FROM ({union}) AS counted (participant_id, contacts, minutes)"
        " GROUP BY participant_id"
    )
    return sql, params


def contact_totals(
    *,
    programme: Programme,
    organisation: Organisation | None,
    period_from: date,
    period_to: date,
) -> dict[str, int]:
    """``contacts`` dated in the period and the distinct ``persons`` they were with."""
    first, after = whole_months(period_from, period_to)
    if (first, after) == (period_from, period_to + timedelta(days=1)):
        # Whole months only: a person is counted in the first of their months in the period.
        months = ContactMonth.objects.filter(programme=programme, month__gte=first, month__lt=after)
        if organisation is not None:
            months = months.filter(organisation=organisation)
        counted = months.aggregate(
            contacts=Coalesce(Sum("contacts"), 0),
            persons=Count(
                "pk", filter=Q(previous_month__isnull=True) | Q(previous_month__lt=first)
            ),
        )
        return {"contacts": int(counted["contacts"]), "persons": counted["persons"]}
    sql, params = per_participant_sql(
        programme=programme,
        organisation=organisation,
        period_from=period_from,
        period_to=period_to,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(contacts), 0), COUNT(*) FROM ({sql}) AS per",  # noqa: S608
            params,
        )
        contacts, persons = cursor.fetchone()
    return {"contacts": int(contacts), "persons": int(persons)}


@dataclass(frozen=True)
class MonthDifference:
    """One participant's month whose stored counts (``None``: no row) differ from the
    contacts (``None``: no contact that month, so the row is left over)."""

    participant_id: int
    month: date
    stored: tuple | None
    expected: tuple | None

    def __str__(self) -> str:
        return (
            f"participant {self.participant_id}, month {self.month:%Y-%m}: contacts by month "
            f"holds {self.stored!r}, the contacts give {self.expected!r}"
        )


def differences(programme: Programme) -> list[MonthDifference]:
    """Where ``ContactMonth`` differs from the logged contacts of ``programme``'s
    participants (organisation, count, minutes and the previous month with a contact, by
    month): two queries."""
    expected: dict[tuple[int, date], tuple] = {}
    previous: dict[int, date] = {}
    for row in (
        Contact.objects.filter(participant__programme=programme)
        .annotate(month=TruncMonth("date"))
        .order_by("participant_id", "month")
        .values("participant_id", "month", organisation=F("participant__organisation_id"))
        .annotate(n=Count("pk"), m=Sum("duration_minutes"))
    ):
        pk, month = row["participant_id"], row["month"]
        expected[pk, month] = (row["organisation"], row["n"], row["m"], previous.get(pk))
        previous[pk] = month
    stored = {
        (row["participant_id"], row["month"]): (
            row["organisation_id"],
            row["contacts"],
            row["minutes"],
            row["previous_month"],
        )
        for row in ContactMonth.objects.filter(programme=programme).values(
            "participant_id", "month", "organisation_id", "contacts", "minutes", "previous_month"
        )
    }
    return [
        MonthDifference(pk, month, stored.get((pk, month)), expected.get((pk, month)))
        for pk, month in sorted(expected.keys() | stored.keys())
        if stored.get((pk, month)) != expected.get((pk, month))
    ]


def rebuild(programme: Programme) -> None:
    """Recompute the months of ``programme``'s participants (and drop rows left over):
    what ``verify_kpi_facts --repair`` runs after it reported a difference."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporting_contact_months_refresh("
            "ARRAY(SELECT id FROM participants_participant WHERE programme_id = %s)"
            " || ARRAY(SELECT participant_id FROM reporting_contactmonth WHERE programme_id = %s))",
            [programme.pk, programme.pk],
        )
