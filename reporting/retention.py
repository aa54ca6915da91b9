"""Keeps the steering group's figures intact when retention deletes a case.

Before ``participants.retention`` deletes a case, :func:`freeze_periods_counting` stores
the figures of every finished standard period of the case's programme the case counts in
(each one it was part of, and each later one: the cumulative figures run from the programme's
start), for both organisations together and for the case's own. ``reporting.kpis`` then answers
those periods from the frozen figures. Each period is frozen once, by the first deletion
that touches it, while all its cases are still there.

A period of chosen dates is not frozen (there is no end to those): after a deletion it
is computed from the cases that remain.
"""

from __future__ import annotations

from datetime import date

from cm_portal.programmes.models import Programme, ReportingPeriod
from participants.models import Participant

from .kpis import period_kpis
from .models import FrozenFigures
from .periods import (
    FIRST_YEAR,
    LAST_YEAR,
    Period,
    all_project_quarters,
    all_project_years,
    calendar_month,
    calendar_quarter,
    calendar_year,
    tertial,
    whole_programme,
)


def standard_periods(programme: Programme, *, first_year: int, last_year: int) -> list[Period]:
    """Every period the report's chooser offers ``programme`` by name, in the years given."""
    periods = [*all_project_quarters(programme), *all_project_years(programme)]
    periods.append(whole_programme(programme))
    offered = set(programme.reporting_periods)
    for year in range(max(first_year, FIRST_YEAR), min(last_year, LAST_YEAR) + 1):
        if ReportingPeriod.CALENDAR_QUARTER in offered:
            periods += [calendar_quarter(year, q) for q in range(1, 5)]
        if ReportingPeriod.TERTIAL in offered:
            periods += [tertial(year, t) for t in range(1, 4)]
        if ReportingPeriod.MONTH in offered:
            periods += [calendar_month(year, m) for m in range(1, 13)]
        if ReportingPeriod.YEAR in offered:
            periods.append(calendar_year(year))
    return periods


def freeze_periods_counting(participant: Participant, today: date) -> int:
    """Freeze each finished period of the participant's programme they count in; returns
    how many were new."""
    start = participant.intervention_start
    programme = participant.programme
    periods = [
        period
        for period in standard_periods(programme, first_year=start.year, last_year=today.year)
        if start <= period.end < today
    ]
    frozen = 0
    for organisation in (None, participant.organisation):
        done = set(
            FrozenFigures.objects.filter(
                programme=programme, organisation=organisation
            ).values_list("period_start", "period_end")
        )
        for period in periods:
            if (period.start, period.end) in done:
                continue
            figures = period_kpis(
                programme=programme, period=period, organisation=organisation, today=today
            )
            FrozenFigures.objects.create(
                programme=programme,
                period_start=period.start,
                period_end=period.end,
                organisation=organisation,
                figures=figures,
            )
            frozen += 1
    return frozen
