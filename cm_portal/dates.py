"""Calendar arithmetic shared by the retention rules."""

from __future__ import annotations

from datetime import date


def years_after[Day: date](day: Day, years: int) -> Day:
    """The same day (and time) ``years`` later, or earlier when negative; 29 February
    becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
