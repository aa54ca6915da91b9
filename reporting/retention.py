"""Keeps the steering group's figures intact when retention deletes a case.

Before ``participants.retention`` deletes a case, :func:`freeze_periods_counting` stores
the figures of every finished standard period the case counts in (each one it was part
of, and each later one: the cumulative figures run from the partnership's start), for
both organisations together and for the case's own. ``reporting.kpis`` then answers
those periods from the frozen figures. Each period is frozen once, by the first deletion
that touches it, while all its cases are still there.

A period of chosen dates is not frozen (there is no end to those): after a deletion it
is computed from the cases that remain.
"""

from __future__ import annotations

from datetime import date

from participants.models import Participant

from .kpis import compute_kpis
from .models import FrozenFigures
from .periods import (
    FIRST_YEAR,
    LAST_YEAR,
    PROJECT_QUARTERS,
    PROJECT_YEARS,
    Period,
    calendar_quarter,
    calendar_year,
    project_quarter,
    project_year,
    tertial,
    whole_partnership,
)


def standard_periods(*, first_year: int, last_year: int) -> list[Period]:
    """Every period the report's chooser offers by name, in the years given."""
    periods = [project_quarter(n) for n in range(1, PROJECT_QUARTERS + 1)]
    periods += [project_year(n) for n in range(1, PROJECT_YEARS + 1)]
    periods.append(whole_partnership())
    for year in range(max(first_year, FIRST_YEAR), min(last_year, LAST_YEAR) + 1):
        periods += [calendar_quarter(year, q) for q in range(1, 5)]
        periods += [tertial(year, t) for t in range(1, 4)]
        periods.append(calendar_year(year))
    return periods


def freeze_periods_counting(participant: Participant, today: date) -> int:
    """Freeze each finished period ``participant`` counts in; returns how many were new."""
    start = participant.intervention_start
    periods = [
        period
        for period in standard_periods(first_year=start.year, last_year=today.year)
        if start <= period.end < today
    ]
    frozen = 0
    for organisation in (None, participant.organisation):
        done = set(
            FrozenFigures.objects.filter(organisation=organisation).values_list(
                "period_start", "period_end"
            )
        )
        for period in periods:
            if (period.start, period.end) in done:
                continue
            figures = compute_kpis(
                period_from=period.start,
                period_to=period.end,
                organisation=organisation,
                today=today,
            )
            FrozenFigures.objects.create(
                period_start=period.start,
                period_end=period.end,
                organisation=organisation,
                figures=figures,
            )
            frozen += 1
    return frozen
