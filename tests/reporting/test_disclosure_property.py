"""Property: no suppressed cell can be worked out from the shown cells and the totals.

Random rows of four counts (zeros, small and large ones) and random people from which a
whole KPI object is built. For every row the hidden cells are none or at least two, no
count of 1 to 4 is shown, percentages of a cohort below 5 are hidden, and the reader who
adds and subtracts (``helpers_disclosure.derivable``) learns no hidden value.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.disclosure import PERCENT_OF, is_suppressed, protect, protect_counts

from .helpers_disclosure import (
    AGE_KEYS,
    CONTACT_OUTCOMES,
    GENDER_KEYS,
    PLAN_OUTCOMES,
    RATING_OUTCOMES,
    Person,
    derivable,
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
        small = any(1 <= values[key] <= 4 for key in ("cohort", denominator))
        if small:
            # A small cohort in the period: its counts read "< 5" (or a dash), in every
            # breakdown cell too; nothing of it is shown as a number.
            _assert_small_cohort_hidden(values, kpi_shown, denominator)
        levels = [(values["cumulative"], kpi_shown["cumulative"])]
        if not small:
            levels.append((values, kpi_shown))
        for level, level_shown in levels:
            assert level_shown[denominator] == level[denominator]  # totals as they are
            if 1 <= level[denominator] <= 4:
                assert level_shown["percent"] == "\u2013"
            else:
                assert level_shown["percent"] == level["percent"]


def _assert_small_cohort_hidden(values: dict, shown: dict, denominator: str) -> None:
    cohort_figures = [denominator, "met", "evaluable", "missing_rating", "no_contact_registered"]
    for name in cohort_figures:
        if name in values:
            assert is_suppressed(shown[name]), (name, values, shown)
            if values[name] <= 4:
                assert shown[name] == "< 5"
    assert shown["percent"] == "\u2013"
    for breakdown in ("by_gender", "by_age_group"):
        for cell in shown[breakdown].values():
            for name in ("cohort", *cohort_figures, "percent"):
                if name in cell:
                    assert is_suppressed(cell[name]), (name, cell)
