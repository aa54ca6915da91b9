"""The periods the steering group reports on (seed 001: the partnership runs for 36 months).

A :class:`Period` is a closed date range ``[start, end]`` with a kind and a label. Project
quarters and project years are counted from the partnership's start (quarter 1 is
2026-05-01 to 2026-07-31); calendar quarters, tertials and years follow the calendar.

``period_from_query`` reads the same GET query that ``Period.as_query`` writes, so a link
(an export, a PDF request) carries its period as ``?kind=project_quarter&n=3``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PARTNERSHIP_START = date(2026, 5, 1)
PARTNERSHIP_END = date(2029, 4, 30)
PARTNERSHIP_MONTHS = 36
PROJECT_QUARTERS = 12
PROJECT_YEARS = 3
ESTABLISHMENT_MONTHS = (1, 6)
IMPLEMENTATION_MONTHS = (7, 30)
EVALUATION_MONTHS = (31, 36)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The years a calendar period may be asked for: the partnership and a margin either side.
FIRST_YEAR = 2020
LAST_YEAR = 2035


class Kind:
    PROJECT_QUARTER = "project_quarter"
    CALENDAR_QUARTER = "calendar_quarter"
    TERTIAL = "tertial"
    YEAR = "year"
    PROJECT_YEAR = "project_year"
    TO_DATE = "to_date"
    PARTNERSHIP = "partnership"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """``[start, end]``, both days included; ``label`` is in the active language, so two
    periods are the same when kind and dates are, whatever language named them."""

    kind: str
    start: date
    end: date
    label: str = field(compare=False)

    @property
    def file_stem(self) -> str:
        """For file names: ``2026-05-01_2026-07-31``."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def as_query(self) -> dict[str, str]:
        """The GET parameters ``period_from_query`` turns back into this period."""
        if self.kind == Kind.PROJECT_QUARTER:
            return {"kind": self.kind, "n": str(_months_since_start(self.start) // 3 + 1)}
        if self.kind == Kind.PROJECT_YEAR:
            return {"kind": self.kind, "n": str(_months_since_start(self.start) // 12 + 1)}
        if self.kind == Kind.CALENDAR_QUARTER:
            return {"kind": self.kind, "year": str(self.start.year), "q": str(_quarter(self))}
        if self.kind == Kind.TERTIAL:
            return {"kind": self.kind, "year": str(self.start.year), "t": str(_tertial(self))}
        if self.kind == Kind.YEAR:
            return {"kind": self.kind, "year": str(self.start.year)}
        if self.kind == Kind.TO_DATE:
            return {"kind": self.kind, "to": self.end.isoformat()}
        if self.kind == Kind.PARTNERSHIP:
            return {"kind": self.kind}
        return {"kind": Kind.CUSTOM, "from": self.start.isoformat(), "to": self.end.isoformat()}


class Phase(NamedTuple):
    """The phase of the partnership a day falls in; ``month`` is 1 to 36 (0 outside it)."""

    key: str
    label: str
    month: int


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later; only used with first days of a month."""
    month_index = day.year * 12 + day.month - 1 + months
    return day.replace(year=month_index // 12, month=month_index % 12 + 1)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_since_start(day: date) -> int:
    return (day.year - PARTNERSHIP_START.year) * 12 + day.month - PARTNERSHIP_START.month


def _quarter(period: Period) -> int:
    return (period.start.month - 1) // 3 + 1


def _tertial(period: Period) -> int:
    return (period.start.month - 1) // 4 + 1


def _check_range(value: int, low: int, high: int, what: str) -> None:
    if not low <= value <= high:
        raise ValueError(
            _("%(what)s must be a whole number from %(low)d to %(high)d, not %(value)d.")
            % {"what": what, "low": low, "high": high, "value": value}
        )


def _range_label(start: date, end: date) -> str:
    return _("%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}


def project_quarter(n: int) -> Period:
    """Project quarter ``n`` (1 to 12): quarter 1 is 2026-05-01 to 2026-07-31."""
    _check_range(n, 1, PROJECT_QUARTERS, _("The project quarter"))
    start = _add_months(PARTNERSHIP_START, 3 * (n - 1))
    end = _add_months(start, 3) - timedelta(days=1)
    label = _("Project quarter %(n)d (%(range)s)") % {"n": n, "range": _range_label(start, end)}
    return Period(Kind.PROJECT_QUARTER, start, end, label)


def project_year(n: int) -> Period:
    """Project year ``n`` (1 to 3), the annual follow-up: months 1-12, 13-24, 25-36."""
    _check_range(n, 1, PROJECT_YEARS, _("The project year"))
    start = _add_months(PARTNERSHIP_START, 12 * (n - 1))
    end = _add_months(start, 12) - timedelta(days=1)
    label = _("Project year %(n)d (%(range)s)") % {"n": n, "range": _range_label(start, end)}
    return Period(Kind.PROJECT_YEAR, start, end, label)


def calendar_quarter(year: int, q: int) -> Period:
    _check_range(year, FIRST_YEAR, LAST_YEAR, _("The year"))
    _check_range(q, 1, 4, _("The quarter"))
    start = date(year, 3 * (q - 1) + 1, 1)
    end = _last_day(year, 3 * q)
    return Period(Kind.CALENDAR_QUARTER, start, end, _("Q%(q)d %(year)d") % {"q": q, "year": year})


def tertial(year: int, t: int) -> Period:
    """Tertial ``t`` of ``year``: 1 = January to April, 2 = May to August, 3 = September to
    December."""
    _check_range(year, FIRST_YEAR, LAST_YEAR, _("The year"))
    _check_range(t, 1, 3, _("The tertial"))
    start = date(year, 4 * (t - 1) + 1, 1)
    end = _last_day(year, 4 * t)
    months = {
        1: _("January to April"),
        2: _("May to August"),
        3: _("September to December"),
    }[t]
    label = _("Tertial %(t)d %(year)d (%(months)s)") % {"t": t, "year": year, "months": months}
    return Period(Kind.TERTIAL, start, end, label)


def calendar_year(year: int) -> Period:
    _check_range(year, FIRST_YEAR, LAST_YEAR, _("The year"))
    return Period(Kind.YEAR, date(year, 1, 1), date(year, 12, 31), str(year))


def project_to_date(today: date | None = None) -> Period:
    """From the partnership's start to ``today`` (at most to its end)."""
    today = today or timezone.localdate()
    if today < PARTNERSHIP_START:
        raise ValueError(
            _("The partnership starts on %(start)s: there is nothing to report before that.")
            % {"start": PARTNERSHIP_START.isoformat()}
        )
    end = min(today, PARTNERSHIP_END)
    label = _("Project to date (%(range)s)") % {"range": _range_label(PARTNERSHIP_START, end)}
    return Period(Kind.TO_DATE, PARTNERSHIP_START, end, label)


def whole_partnership() -> Period:
    """All 36 months: the final report's period."""
    label = _("The whole partnership (%(range)s)") % {
        "range": _range_label(PARTNERSHIP_START, PARTNERSHIP_END)
    }
    return Period(Kind.PARTNERSHIP, PARTNERSHIP_START, PARTNERSHIP_END, label)


def custom(start: date, end: date) -> Period:
    if start > end:
        raise ValueError(
            _("The period starts on %(start)s, after its end %(end)s: give the earlier date first.")
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
    for day in (start, end):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(
                _("%(day)s is outside the years reports cover, %(first)d to %(last)d.")
                % {"day": day.isoformat(), "first": FIRST_YEAR, "last": LAST_YEAR}
            )
    return Period(Kind.CUSTOM, start, end, _range_label(start, end))


def all_project_quarters() -> list[Period]:
    return [project_quarter(n) for n in range(1, PROJECT_QUARTERS + 1)]


def finished_project_quarters(today: date | None = None) -> list[Period]:
    """The project quarters whose last day is before ``today``, oldest first."""
    today = today or timezone.localdate()
    return [quarter for quarter in all_project_quarters() if quarter.end < today]


def past_project_quarters(until: Period) -> list[Period]:
    """The project quarters that have ended by the end of ``until``, oldest first: the
    points of a trend (``until`` itself is one of them when it is a project quarter)."""
    return [quarter for quarter in all_project_quarters() if quarter.end <= until.end]


def phase_on(day: date) -> Phase:
    """Establishment (months 1-6), implementation (7-30), evaluation (31-36), or before or
    after the partnership."""
    if day < PARTNERSHIP_START:
        return Phase("before", _("Before the partnership"), 0)
    if day > PARTNERSHIP_END:
        return Phase("after", _("After the partnership"), 0)
    month = _months_since_start(day) + 1
    if month <= ESTABLISHMENT_MONTHS[1]:
        return Phase("establishment", _("Establishment (months 1 to 6)"), month)
    if month <= IMPLEMENTATION_MONTHS[1]:
        return Phase("implementation", _("Implementation (months 7 to 30)"), month)
    return Phase("evaluation", _("Evaluation and final report (months 31 to 36)"), month)


def _integer(params: Mapping, name: str) -> int:
    value = (params.get(name) or "").strip()
    if not value:
        raise ValueError(_("The period needs '%(name)s': it is missing.") % {"name": name})
    if not value.isdigit():
        raise ValueError(
            _("'%(value)s' is not a whole number: give '%(name)s' as digits, e.g. 3.")
            % {"value": value, "name": name}
        )
    return int(value)


def _date(params: Mapping, name: str) -> date:
    value = (params.get(name) or "").strip()
    if not value:
        raise ValueError(_("The period needs '%(name)s': it is missing.") % {"name": name})
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("'%(value)s' is not a date: write it as YYYY-MM-DD, e.g. 2026-11-30.")
            % {"value": value}
        ) from None


def period_from_query(params: Mapping, *, today: date | None = None) -> Period:
    """The period a GET query asks for (``kind`` and its fields); ``ValueError`` with a
    message for the user when the query is incomplete or wrong."""
    kind = (params.get("kind") or "").strip()
    if kind == Kind.PROJECT_QUARTER:
        return project_quarter(_integer(params, "n"))
    if kind == Kind.CALENDAR_QUARTER:
        return calendar_quarter(_integer(params, "year"), _integer(params, "q"))
    if kind == Kind.TERTIAL:
        return tertial(_integer(params, "year"), _integer(params, "t"))
    if kind == Kind.YEAR:
        return calendar_year(_integer(params, "year"))
    if kind == Kind.PROJECT_YEAR:
        return project_year(_integer(params, "n"))
    if kind == Kind.TO_DATE:
        return project_to_date(_date(params, "to") if params.get("to") else today)
    if kind == Kind.PARTNERSHIP:
        return whole_partnership()
    if kind == Kind.CUSTOM:
        return custom(_date(params, "from"), _date(params, "to"))
    raise ValueError(
        _(
            "Choose what kind of period to report on (project quarter, calendar quarter, "
            "tertial, year, project year, project to date, the whole partnership or your own "
            "dates)."
        )
    )


KIND_CHOICES = [
    (Kind.PROJECT_QUARTER, gettext_lazy("Project quarter")),
    (Kind.CALENDAR_QUARTER, gettext_lazy("Calendar quarter")),
    (Kind.TERTIAL, gettext_lazy("Tertial")),
    (Kind.YEAR, gettext_lazy("Calendar year")),
    (Kind.PROJECT_YEAR, gettext_lazy("Project year (annual follow-up)")),
    (Kind.TO_DATE, gettext_lazy("Project to date")),
    (Kind.PARTNERSHIP, gettext_lazy("The whole partnership (final report)")),
    (Kind.CUSTOM, gettext_lazy("Your own dates")),
]
