"""Property: no suppressed cell can be worked out from the shown cells and the totals, in
the breakdowns and in the equality view's linked tables.

Random rows of four counts (zeros, small and large ones) and random people from which a
whole KPI object is built. For every row the hidden cells are none or at least two, no
count of 1 to 4 is shown, percentages of a cohort below 5 are hidden, and the reader who
adds and subtracts (``helpers_disclosure.derivable``) learns no hidden value.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.disclosure import PERCENT_OF, is_suppressed, protect, protect_counts
from reporting.equality import protect_equality

from .helpers_disclosure import (
    AGE_KEYS,
    CONTACT_OUTCOMES,
    GENDER_KEYS,
    PLAN_OUTCOMES,
    RATING_OUTCOMES,
    Person,
    derivable,
    determined,
    figures_of,
)

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

counts = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 60))
rows = st.fixed_dictionaries({key: counts for key in GENDER_KEYS})
people = st.lists(
    st.builds(
        Person,
        gender=st.sampled_from(GENDER_KEYS),
        age_group=st.sampled_from(AGE_KEYS),
        started=st.booleans(),
        k2=st.sampled_from(PLAN_OUTCOMES),
        k3=st.sampled_from(CONTACT_OUTCOMES),
        k4=st.sampled_from(RATING_OUTCOMES),
        k5=st.sampled_from(PLAN_OUTCOMES),
    ),
    max_size=80,
)


def _assert_row_is_safe(original: dict[str, int], shown: dict[str, object]) -> None:
    hidden = [key for key, value in shown.items() if is_suppressed(value)]
    for key, value in shown.items():
        if not is_suppressed(value):
            assert value == original[key]
            assert not 1 <= value <= 4, (original, shown)
    assert len(hidden) != 1, (original, shown)
    total = sum(original.values())
    shown_sum = sum(value for value in shown.values() if not is_suppressed(value))
    assert total - shown_sum == sum(original[key] for key in hidden)


@FAST
@given(rows)
def test_a_row_of_four_counts(row):
    _assert_row_is_safe(row, protect_counts(row))


def _check_breakdown(kpi: str, original: dict, shown: dict) -> None:
    names = [n for n in next(iter(original.values())) if n != "percent"]
    for name in names:
        _assert_row_is_safe(
            {key: cell[name] for key, cell in original.items()},
            {key: cell[name] for key, cell in shown.items()},
        )
    numerator, denominator = PERCENT_OF.get(kpi, ("met", "cohort"))
    for key, cell in original.items():
        if 1 <= cell[denominator] <= 4:
            assert shown[key]["percent"] == "\u2013"
        if not is_suppressed(shown[key]["percent"]):
            assert not is_suppressed(shown[key][numerator])
            assert not is_suppressed(shown[key][denominator])
    assert derivable(original, shown, kpi) == set(), (kpi, original, shown)


@FAST
@given(people)
def test_a_whole_kpi_object(group):
    figures = figures_of(group)
    shown = protect(figures)
    for breakdown in ("by_gender", "by_age_group"):
        _assert_row_is_safe(figures["participants"][breakdown], shown["participants"][breakdown])
        for kpi, values in figures["kpis"].items():
            _check_breakdown(kpi, values[breakdown], shown["kpis"][kpi][breakdown])
    for kpi, values in figures["kpis"].items():
        denominator = PERCENT_OF.get(kpi, ("met", "cohort"))[1]
        kpi_shown = shown["kpis"][kpi]
        levels = [(values, kpi_shown), (values["cumulative"], kpi_shown["cumulative"])]
        for level, level_shown in levels:
            assert level_shown[denominator] == level[denominator]  # totals as they are
            if 1 <= level[denominator] <= 4:
                assert level_shown["percent"] == "\u2013"
            else:
                assert level_shown["percent"] == level["percent"]


# --- The equality view (reporting.equality) ---------------------------------------------

PATHS = ["hela_manniskan", "outreach", "district_support", "other"]
REASONS = ["goals_met", "moved", "declined", "transferred", "no_contact", "died", "other", ""]
ENDS = [f"end:{reason or 'not_recorded'}" for reason in REASONS]


@dataclass(frozen=True)
class Reached:
    """One participant of the equality view: in the support in the period or not, and what
    became of them."""

    gender: str
    age_group: str
    path: str
    reached: bool
    started: bool
    ended: bool
    plan: bool
    goals_met: bool
    rating: str  # K4 for those who ended: met, not_improved, missing
    contacts: int
    reason: str = "other"  # the coded reason for ending, of those who ended


reached_people = st.lists(
    st.builds(
        Reached,
        gender=st.sampled_from(GENDER_KEYS),
        age_group=st.sampled_from(AGE_KEYS),
        path=st.sampled_from(PATHS),
        reached=st.booleans(),
        started=st.booleans(),
        ended=st.booleans(),
        plan=st.booleans(),
        goals_met=st.booleans(),
        rating=st.sampled_from(["met", "not_improved", "missing"]),
        contacts=st.integers(0, 6),
        reason=st.sampled_from(REASONS),
    ),
    max_size=70,
)


def _consistent(person: Reached) -> Reached:
    """Only those reached start, end or have a plan; goals are met only with a plan."""
    reached = person.reached
    plan = reached and person.plan
    return Reached(
        person.gender,
        person.age_group,
        person.path,
        reached,
        reached and person.started,
        reached and person.ended,
        plan,
        plan and person.goals_met,
        person.rating,
        person.contacts,
        person.reason,
    )


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _group(people: list[Reached]) -> dict:
    reached = [p for p in people if p.reached]
    planned = [p for p in reached if p.plan]
    return {
        "reached": len(reached),
        "started": sum(p.started for p in people),
        "ended": sum(p.ended for p in people),
        "plan": len(planned),
        "goals_met": sum(p.goals_met for p in people),
        **{f"path:{path}": sum(p.path == path for p in reached) for path in PATHS},
        **{
            f"end:{r or 'not_recorded'}": sum(p.ended and p.reason == r for p in people)
            for r in REASONS
        },
        "contacts_median": _median([p.contacts for p in reached]),
        "minutes_median": _median([30 * p.contacts for p in reached]),
        "days_to_plan_median": _median([10 + p.contacts for p in planned]),
    }


def _raw(people: list[Reached]) -> dict:
    return {
        "all": _group(people),
        "by_gender": {key: _group([p for p in people if p.gender == key]) for key in GENDER_KEYS},
        "by_age_group": {
            key: _group([p for p in people if p.age_group == key]) for key in AGE_KEYS
        },
        "by_entry_path": {key: _group([p for p in people if p.path == key]) for key in PATHS},
    }


def _kpi_figures(people: list[Reached]) -> dict:
    """The breakdowns' figures of the same people: K1 started, K4's cohort = those ended."""
    return figures_of(
        [
            Person(
                gender=p.gender,
                age_group=p.age_group,
                started=p.started,
                k2="none",
                k3="none",
                k4=p.rating if p.ended else "none",
                k5="none",
            )
            for p in people
        ]
    )


def _equality_equations(columns: list[str]) -> list[list[tuple[tuple[str, str], int]]]:
    """What a reader of the three tables can add and subtract, written out here."""
    equations = []
    groups = [c for c in columns if c.split(":")[0] in ("gender", "age")]
    entries = [c for c in columns if c.startswith("entry:")]
    for column in ["all", *groups]:
        equations.append([((column, "reached"), 1), *(((column, f"path:{p}"), -1) for p in PATHS)])
        equations.append([((column, "ended"), 1), *(((column, end), -1) for end in ENDS)])
        for total, part, rest in (
            ("reached", "started", "continuing"),
            ("reached", "ended", "still_in"),
            ("reached", "plan", "no_plan"),
            ("plan", "goals_met", "goals_not_met"),
        ):
            equations.append([((column, total), 1), ((column, part), -1), ((column, rest), -1)])
    for column in entries:
        for total, part, rest in (
            ("reached", "plan", "no_plan"),
            ("plan", "goals_met", "goals_not_met"),
        ):
            equations.append([((column, total), 1), ((column, part), -1), ((column, rest), -1)])
    figures = ["reached", "started", "ended", "plan", "goals_met", "continuing", "still_in"]
    figures += ["no_plan", "goals_not_met", *(f"path:{p}" for p in PATHS), *ENDS]
    for prefix in ("gender:", "age:"):
        members = [c for c in groups if c.startswith(prefix)]
        for name in figures:
            equations.append([(("all", name), 1), *(((c, name), -1) for c in members)])
    for name in ("reached", "plan", "goals_met", "no_plan", "goals_not_met"):
        equations.append([(("all", name), 1), *(((c, name), -1) for c in entries)])
    for path in PATHS:
        equations.append([(("all", f"path:{path}"), 1), ((f"entry:{path}", "reached"), -1)])
    return equations


def _true_values(raw: dict) -> dict[tuple[str, str], int]:
    values = {}
    columns = {"all": raw["all"]}
    columns |= {f"gender:{k}": v for k, v in raw["by_gender"].items()}
    columns |= {f"age:{k}": v for k, v in raw["by_age_group"].items()}
    columns |= {f"entry:{k}": v for k, v in raw["by_entry_path"].items()}
    for column, group in columns.items():
        for name, value in group.items():
            if not name.endswith("_median"):
                values[(column, name)] = value
        values[(column, "continuing")] = group["reached"] - group["started"]
        values[(column, "still_in")] = group["reached"] - group["ended"]
        values[(column, "no_plan")] = group["reached"] - group["plan"]
        values[(column, "goals_not_met")] = group["plan"] - group["goals_met"]
    return values


@FAST
@given(reached_people)
def test_the_equality_tables(group):
    people = [_consistent(p) for p in group]
    raw = _raw(people)
    kpis = protect(_kpi_figures(people))
    shown = protect_equality(raw, kpis)
    values = _true_values(raw)
    # Every printed count is the true one or hidden, and none of 1 to 4 is printed, except the
    # breakdowns' own whole-cohort totals, which their rules print as they are.
    printed = {}
    for column, cells in shown.items():
        for name, value in cells.items():
            if name.endswith("_median"):
                continue
            printed[(column, name)] = value
            if not is_suppressed(value):
                assert value == values[(column, name)], (column, name)
                if (column, name) not in (("all", "started"), ("all", "ended")):
                    assert not 1 <= value <= 4, (column, name, value)
    # A median is shown only over 5 or more people whose number is shown.
    for column, cells in shown.items():
        if column.startswith("entry:"):
            continue
        for median, base in (
            ("contacts_median", "reached"),
            ("hours_median", "reached"),
            ("days_to_plan_median", "plan"),
        ):
            if not is_suppressed(cells[median]):
                assert not is_suppressed(cells[base])
                assert values[(column, base)] >= 5
    # The reader who solves the tables' sums (any combination of them) learns no hidden
    # count, and no unprinted one of 1 to 4.
    known = {cell for cell, value in printed.items() if not is_suppressed(value)}
    secret = {
        cell
        for cell, value in values.items()
        if (cell in printed and is_suppressed(printed[cell]) and value != 0)
        or (cell not in printed and 1 <= value <= 4)
    }
    leaked = determined(_equality_equations(list(shown)), known, secret)
    assert not leaked, sorted(leaked)
