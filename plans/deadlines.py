"""The dates the result goals are measured against (docs/kpis.md, "Deadlines")."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

PLAN_DAYS = 56  # D2: the plan and the crisis plan are due 8 weeks after the start
PLAN_WINDOW_OPENS_DAYS = 28


def plan_deadline(start: date) -> date:
    """D2 = start + 56 days (established on day 56 is in time, day 57 is not)."""
    return start + timedelta(days=PLAN_DAYS)


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def three_month_date(start: date) -> date:
    """D3 = start + 3 calendar months: 2026-11-30 gives 2027-02-28."""
    return add_months(start, 3)
