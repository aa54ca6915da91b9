"""The periods a programme reports on (``programmes.Programme``: its dates are data).

A :class:`Period` is a closed date range ``[start, end]`` with a kind and a label. Project
quarters and project years are counted from the programme's own start (quarter 1 is its first
three months); the last one ends on the programme's last day, which is included, so a
remainder of less than a quarter (seed 002's "till och med" day) belongs to the last quarter.
Calendar quarters, tertials, months and years follow the calendar.

``period_from_query`` reads the same GET query that ``Period.as_query`` writes, so a link
(an export, a PDF request) carries its period as ``?kind=project_quarter&n=3``.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cm_portal.dates import iso_date_or_none

if TYPE_CHECKING:
    from cm_portal.programmes.models import Programme

# The years a calendar period may be asked for: wide enough for any programme.
FIRST_YEAR = 2020
LAST_YEAR = 2035


class Kind:
    PROJECT_QUARTER = "project_quarter"
    CALENDAR_QUARTER = "calendar_quarter"
    TERTIAL = "tertial"
    YEAR = "year"
    PROJECT_YEAR = "project_year"
    TO_DATE = "to_date"
    PARTNERSHIP = "partnership"  # the whole programme
    MONTH = "month"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """``[start, end]``, both days included; ``label`` is in the active language, so two
    periods are the same when kind and dates are, whatever language named them."""

    kind: str
    start: date
    end: date
    label: str = field(compare=False)
    # The number of a project quarter or project year (for ``as_query``).
    n: int | None = field(default=None, compare=False)

    @property
    def file_stem(self) -> str:
        """For file names: ``<start>_<end>``, ISO dates."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def as_query(self) -> dict[str, str]:
        """The GET parameters ``period_from_query`` turns back into this period."""
        if self.kind in (Kind.PROJECT_QUARTER, Kind.PROJECT_YEAR):
            return {"kind": self.kind, "n": str(self.n)}
        if self.kind == Kind.MONTH:
            return {"kind": self.kind, "year": str(self.start.year), "m": str(self.start.month)}
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
    """The phase of the programme a day falls in; ``month`` counts from 1 (0 outside it)."""

    key: str
    label: str
    month: int


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_since_start(programme: Programme, day: date) -> int:
    """Whole months from the programme's start to ``day`` (0 in its first month)."""
    start = programme.start
    months = (day.year - start.year) * 12 + day.month - start.month
    return months if add_months(start, months) <= day else months - 1


def _blocks(programme: Programme, size: int) -> int:
    """How many project periods of ``size`` months the programme has: the last one runs to
    its last day, so a remainder shorter than a whole month joins it."""
    months = _months_since_start(programme, programme.end + timedelta(days=1))
    return max(1, -(-months // size))


def project_quarter_count(programme: Programme) -> int:
    return _blocks(programme, 3)


def project_year_count(programme: Programme) -> int:
    return _blocks(programme, 12)


def _block(programme: Programme, n: int, size: int, kind: str, label: str) -> Period:
    start = add_months(programme.start, size * (n - 1))
    last = n == _blocks(programme, size)
    end = programme.end if last else add_months(programme.start, size * n) - timedelta(days=1)
    text = label % {"n": n, "range": _range_label(start, end)}
    return Period(kind, start, end, text, n=n)


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


def project_quarter(programme: Programme, n: int) -> Period:
    """Project quarter ``n`` of the programme: quarter 1 is its first three months."""
    _check_range(n, 1, project_quarter_count(programme), _("The project quarter"))
    return _block(programme, n, 3, Kind.PROJECT_QUARTER, _("Project quarter %(n)d (%(range)s)"))


def project_year(programme: Programme, n: int) -> Period:
    """Project year ``n``, the annual follow-up: months 1-12, 13-24, ... of the programme."""
    _check_range(n, 1, project_year_count(programme), _("The project year"))
    return _block(programme, n, 12, Kind.PROJECT_YEAR, _("Project year %(n)d (%(range)s)"))


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


def calendar_month(year: int, m: int) -> Period:
    """A calendar month (the pilot of seed 004 is followed up monthly)."""
    _check_range(year, FIRST_YEAR, LAST_YEAR, _("The year"))
    _check_range(m, 1, 12, _("The month"))
    start = date(year, m, 1)
    label = formats.date_format(start, "F Y")
    return Period(Kind.MONTH, start, _last_day(year, m), label)


def project_to_date(programme: Programme, today: date | None = None) -> Period:
    """From the programme's start to ``today`` (at most to its end)."""
    today = today or timezone.localdate()
    if today < programme.start:
        raise ValueError(
            _("The programme starts on %(start)s: there is nothing to report before that.")
            % {"start": programme.start.isoformat()}
        )
    end = min(today, programme.end)
    label = _("Project to date (%(range)s)") % {"range": _range_label(programme.start, end)}
    return Period(Kind.TO_DATE, programme.start, end, label)


def whole_programme(programme: Programme) -> Period:
    """The programme from its first to its last day, both included: the final report's."""
    label = _("The whole programme (%(range)s)") % {
        "range": _range_label(programme.start, programme.end)
    }
    return Period(Kind.PARTNERSHIP, programme.start, programme.end, label)


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


def all_project_quarters(programme: Programme) -> list[Period]:
    return [project_quarter(programme, n) for n in range(1, project_quarter_count(programme) + 1)]


def all_project_years(programme: Programme) -> list[Period]:
    return [project_year(programme, n) for n in range(1, project_year_count(programme) + 1)]


def finished_project_quarters(programme: Programme, today: date | None = None) -> list[Period]:
    """The project quarters whose last day is before ``today``, oldest first."""
    today = today or timezone.localdate()
    return [quarter for quarter in all_project_quarters(programme) if quarter.end < today]


def past_project_quarters(programme: Programme, until: Period) -> list[Period]:
    """The project quarters that have ended by the end of ``until``, oldest first: the
    points of a trend (``until`` itself is one of them when it is a project quarter)."""
    return [q for q in all_project_quarters(programme) if q.end <= until.end]


def phase_on(programme: Programme, day: date) -> Phase:
    """The programme's phase (``ProgrammePhase``, months from its start) ``day`` falls in,
    or before or after the programme. A day after the last phase's last month but within
    the programme (its included last day) belongs to the last phase."""
    if day < programme.start:
        return Phase("before", _("Before the programme"), 0)
    if day > programme.end:
        return Phase("after", _("After the programme"), 0)
    month = _months_since_start(programme, day) + 1
    phases = list(programme.phases.all())
    for phase in phases:
        if phase.first_month <= month <= phase.last_month:
            return Phase(phase.key, _label_of(phase), month)
    if phases and month > phases[-1].last_month:
        return Phase(phases[-1].key, _label_of(phases[-1]), month)
    return Phase("", "", month)


def _label_of(phase) -> str:
    return _("%(name)s (months %(first)d to %(last)d)") % {
        "name": phase.name,
        "first": phase.first_month,
        "last": phase.last_month,
    }


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
    day = iso_date_or_none(value)
    if day is None:
        raise ValueError(
            _("'%(value)s' is not a date: write it as YYYY-MM-DD, e.g. 2031-11-30.")
            % {"value": value}
        )
    return day


def period_from_query(
    params: Mapping, *, programme: Programme, today: date | None = None
) -> Period:
    """The period a GET query asks for (``kind`` and its fields) in ``programme``;
    ``ValueError`` with a message for the user when the query is incomplete or wrong."""
    kind = (params.get("kind") or "").strip()
    if kind == Kind.PROJECT_QUARTER:
        return project_quarter(programme, _integer(params, "n"))
    if kind == Kind.CALENDAR_QUARTER:
        return calendar_quarter(_integer(params, "year"), _integer(params, "q"))
    if kind == Kind.TERTIAL:
        return tertial(_integer(params, "year"), _integer(params, "t"))
    if kind == Kind.YEAR:
        return calendar_year(_integer(params, "year"))
    if kind == Kind.MONTH:
        return calendar_month(_integer(params, "year"), _integer(params, "m"))
    if kind == Kind.PROJECT_YEAR:
        return project_year(programme, _integer(params, "n"))
    if kind == Kind.TO_DATE:
        return project_to_date(programme, _date(params, "to") if params.get("to") else today)
    if kind == Kind.PARTNERSHIP:
        return whole_programme(programme)
    if kind == Kind.CUSTOM:
        return custom(_date(params, "from"), _date(params, "to"))
    raise ValueError(
        _(
            "Choose what kind of period to report on (project quarter, calendar quarter, "
            "tertial, month, year, project year, project to date, the whole programme or "
            "your own dates)."
        )
    )


KIND_CHOICES = [
    (Kind.PROJECT_QUARTER, gettext_lazy("Project quarter")),
    (Kind.CALENDAR_QUARTER, gettext_lazy("Calendar quarter")),
    (Kind.TERTIAL, gettext_lazy("Tertial")),
    (Kind.MONTH, gettext_lazy("Month")),
    (Kind.YEAR, gettext_lazy("Calendar year")),
    (Kind.PROJECT_YEAR, gettext_lazy("Project year (annual follow-up)")),
    (Kind.TO_DATE, gettext_lazy("Project to date")),
    (Kind.PARTNERSHIP, gettext_lazy("The whole programme (final report)")),
    (Kind.CUSTOM, gettext_lazy("Your own dates")),
]
# Offered whatever the programme's reporting periods are: months beside the quarters and
# tertials (the project group's monthly follow-up, issue 15).
ALWAYS_OFFERED = (Kind.MONTH, Kind.TO_DATE, Kind.PARTNERSHIP, Kind.CUSTOM)


def kind_choices(programme: Programme) -> list[tuple[str, Any]]:
    """The kinds of period ``programme`` reports by, and those every programme has."""
    offered = set(programme.reporting_periods) | set(ALWAYS_OFFERED)
    return [(kind, label) for kind, label in KIND_CHOICES if kind in offered]
