"""Released periods (kpis.md, "Breakdowns and disclosure control"; issue 15).

The steering group and the project group see figures only for *released* periods: whole
calendar months, project quarters, calendar quarters, tertials, calendar years, project
years and the whole programme. A period of their own dates must be whole calendar months
(from the first day of a month to the last day of a month, at least one month), and the
project to date, which moves a day at a time, is not offered to them. So no two outputs
they can get differ by a day (or by anything shorter than a month), and subtracting one from
the other cannot single out the person whose deadline fell on that day
(``tests/reporting/test_released_periods.py`` checks every pair exhaustively).

Team leads read their own organisation's figures for any period, as before: they already
see its cases.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from cm_portal.models import Role

from .periods import Kind, Period, finished_project_quarters, project_quarter

if TYPE_CHECKING:
    from cm_portal.models import User
    from cm_portal.programmes.models import Programme

RELEASED_KINDS = frozenset(
    {
        Kind.MONTH,
        Kind.PROJECT_QUARTER,
        Kind.CALENDAR_QUARTER,
        Kind.TERTIAL,
        Kind.YEAR,
        Kind.PROJECT_YEAR,
        Kind.PARTNERSHIP,
    }
)
# The kinds a member is never offered (a custom period is, when it is whole months).
UNRELEASED_KINDS = frozenset({Kind.TO_DATE})


def released_only(user: User) -> bool:
    """Whether ``user`` may see released periods only: the programmes' members."""
    return user.role in (Role.STEERING_GROUP, Role.PROJECT_GROUP)


def whole_months(start: date, end: date) -> bool:
    """``[start, end]`` runs from the first day of a month to the last day of a month."""
    last_day = calendar.monthrange(end.year, end.month)[1]
    return start <= end and start.day == 1 and end.day == last_day


def release_error(period: Period) -> str | None:
    """Why ``period`` is not released to the steering and project groups, or None."""
    if period.kind in RELEASED_KINDS:
        return None
    if period.kind == Kind.CUSTOM:
        return custom_release_error(period.start, period.end)
    return _(
        "The steering and project groups see figures for whole periods only: choose a "
        "month, a quarter, a tertial, a year or the whole programme."
    )


def custom_release_error(start: date, end: date) -> str | None:
    """Why dates of one's own are not released, or None (whole calendar months)."""
    if whole_months(start, end):
        return None
    # The example is the month the chosen period starts in.
    month_start = start.replace(day=1)
    month_end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return _(
        "Choose whole calendar months: from the first day of a month to the last day of a "
        "month, at least one month (e.g. %(example_from)s to %(example_to)s). Shorter or "
        "broken periods could single out a participant, so the steering and project groups "
        "are not shown them."
    ) % {"example_from": month_start, "example_to": month_end}


def released_default_period(programme: Programme, today: date) -> Period:
    """What a member sees without choosing: the latest finished project quarter, or the
    first project quarter before that one has ended (released, unlike the project to date)."""
    finished = finished_project_quarters(programme, today)
    return finished[-1] if finished else project_quarter(programme, 1)
