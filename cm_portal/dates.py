"""Calendar arithmetic shared by the retention rules, and dates as people type them."""

from __future__ import annotations

import re
from datetime import date

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date_or_none(value: str) -> date | None:
    """The date ``value`` names when it is written exactly YYYY-MM-DD (``date.fromisoformat``
    also takes ``20310331`` and the like), else None."""
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def years_after[Day: date](day: Day, years: int) -> Day:
    """The same day (and time) ``years`` later, or earlier when negative; 29 February
    becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
