"""The KPI facts table (``reporting.models.KpiFacts``): checking it against the case tables,
and rebuilding it.

PostgreSQL keeps the table current by itself: the migration that made it
(``reporting/migrations/0007_kpi_facts.py``) installed ``reporting_kpi_facts_refresh(ids)``,
which recomputes the rows of those participants from the case tables, and statement
triggers that call it in the transaction of every insert, update or delete of a row the
facts are read from (participants, individual and crisis plans, the chain of
responsibility, prioritised contacts, self-ratings, Intern-SIP offers, and a programme's
goals, which refresh all of its participants). So whatever writes (a service, a case-file
import, a bulk seed, a retention deletion), the committed figures count the committed data.

The same columns are computed a second way, by the ORM from the case tables
(``reporting.kpis.raw_facts``, the engine's own definition before the table existed);
:func:`differences` compares the two, row by row and column by column
(``manage.py verify_kpi_facts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from cm_portal.programmes.models import Programme

from .kpis import facts_maintained, raw_facts
from .models import KpiFacts

# Every column but the participant's key, by the name both sides give it.
FACT_COLUMNS = [
    field.attname for field in KpiFacts._meta.concrete_fields if field.attname != "participant_id"
]


@dataclass(frozen=True)
class Difference:
    """One column of one participant's facts that the case tables do not give (or a row
    that is missing or left over: ``column`` is None). Names the participant by key only."""

    participant_id: int
    column: str | None
    stored: Any
    expected: Any

    def __str__(self) -> str:
        if self.column is None:
            what = "missing" if self.stored is None else "left over"
            return f"participant {self.participant_id}: facts row {what}"
        return (
            f"participant {self.participant_id}: {self.column} is {self.stored!r}, "
            f"the case tables give {self.expected!r}"
        )


def _same(stored: Any, expected: Any) -> bool:
    # The ORM gives some computed integers as Decimal (EXTRACT is numeric): compare values.
    return stored == expected


def differences(programme: Programme) -> list[Difference]:
    """Where the facts of ``programme``'s participants differ from the case tables (an
    empty list when they agree). A few queries, whatever the number of participants."""
    # Its goals as they are now, not as an instance read before a goal's change has them.
    programme = Programme.objects.get(pk=programme.pk)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")  # as reporting.kpis: a wide query
        expected = {row.pop("pk"): row for row in raw_facts(programme).values("pk", *FACT_COLUMNS)}
        stored = {
            row.pop("participant_id"): row
            for row in KpiFacts.objects.filter(programme=programme).values(
                "participant_id", *FACT_COLUMNS
            )
        }
    found: list[Difference] = []
    for pk in sorted(expected.keys() | stored.keys()):
        if pk not in stored:
            found.append(Difference(pk, None, None, expected[pk]))
        elif pk not in expected:
            found.append(Difference(pk, None, stored[pk], None))
        else:
            found += [
                Difference(pk, column, stored[pk][column], expected[pk][column])
                for column in FACT_COLUMNS
                if not _same(stored[pk][column], expected[pk][column])
            ]
    return found


def rebuild(programme: Programme) -> None:
    """Recompute the facts of ``programme``'s participants (and drop rows left over) with
    the database's own refresh: what ``verify_kpi_facts --repair`` runs after it reported."""
    if not facts_maintained():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporting_kpi_facts_refresh("
            "ARRAY(SELECT id FROM participants_participant WHERE programme_id = %s)"
            " || ARRAY(SELECT participant_id FROM reporting_kpifacts WHERE programme_id = %s))",
            [programme.pk, programme.pk],
        )
