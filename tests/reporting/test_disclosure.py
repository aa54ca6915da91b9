"""Disclosure control: small counts, the next smallest cell, relations and percentages."""

from __future__ import annotations

from datetime import date

import pytest

from reporting.disclosure import (
    HIDDEN,
    SMALL,
    is_suppressed,
    protect,
    protect_breakdown,
    protect_counts,
    protected_kpis,
)
from reporting.periods import project_quarter
from tests.factories import default_programme

from .helpers import person, plan
from .helpers_disclosure import GENDER_KEYS, Person, derivable, determined, figures_of


def test_constants():
    assert SMALL == "< 5"
    assert HIDDEN == "\u2013"
    assert is_suppressed(SMALL)
    assert is_suppressed(HIDDEN)
    assert not is_suppressed(0)
    assert not is_suppressed(None)


def test_small_count_and_the_next_smallest_are_hidden():
    shown = protect_counts({"woman": 12, "man": 3, "non_binary": 0, "not_stated": 7})
    assert shown == {"woman": 12, "man": SMALL, "non_binary": 0, "not_stated": HIDDEN}


def test_two_small_counts_need_nothing_more():
    shown = protect_counts({"woman": 12, "man": 3, "non_binary": 1, "not_stated": 7})
    assert shown == {"woman": 12, "man": SMALL, "non_binary": SMALL, "not_stated": 7}


def test_zeros_and_large_counts_stay():
    cells = {"woman": 12, "man": 5, "non_binary": 0, "not_stated": 0}
    assert protect_counts(cells) == cells


def test_a_lone_small_count_among_zeros_hides_a_zero():
    shown = protect_counts({"woman": 3, "man": 0, "non_binary": 0, "not_stated": 0})
    assert shown["woman"] == SMALL
    assert sum(is_suppressed(v) for v in shown.values()) == 2


def test_not_met_of_one_to_four_hides_met():
    # 10 women in the cohort, 8 with a plan in time: 2 without, which cohort - met would show.
    cells = {
        "woman": {"cohort": 10, "met": 8, "excluded": 0, "pending": 0, "percent": 80.0},
        "man": {"cohort": 20, "met": 10, "excluded": 0, "pending": 0, "percent": 50.0},
        "non_binary": {"cohort": 0, "met": 0, "excluded": 0, "pending": 0, "percent": None},
        "not_stated": {"cohort": 6, "met": 6, "excluded": 0, "pending": 0, "percent": 100.0},
    }
    shown = protect_breakdown(cells, kpi="plan_within_8_weeks")
    assert is_suppressed(shown["woman"]["met"]) or is_suppressed(shown["woman"]["cohort"])
    assert shown["woman"]["percent"] == HIDDEN
    assert derivable(cells, shown, "plan_within_8_weeks") == set()


def test_percent_of_a_cohort_below_five_is_hidden():
    cells = {
        key: {"cohort": 4, "met": 0, "excluded": 0, "pending": 0, "percent": 0.0}
        for key in GENDER_KEYS
    }
    shown = protect_breakdown(cells, kpi="plan_within_8_weeks")
    assert all(cell["percent"] == HIDDEN for cell in shown.values())
    assert all(cell["cohort"] == SMALL for cell in shown.values())
    assert all(cell["met"] == 0 for cell in shown.values())


def test_protect_keeps_totals_and_copies():
    people = [Person(gender="woman")] * 9 + [Person(gender="man", k2="not_met")] * 2
    figures = figures_of(people)
    shown = protect(figures)
    k2 = shown["kpis"]["plan_within_8_weeks"]
    assert (k2["cohort"], k2["met"], k2["percent"]) == (11, 9, 81.8)
    assert k2["by_gender"]["man"]["cohort"] == SMALL
    assert k2["by_gender"]["woman"]["cohort"] == HIDDEN
    assert shown["participants"]["started"] == 11
    assert shown["participants"]["by_gender"]["man"] == SMALL
    assert shown["activity"] == figures["activity"]
    # The original is untouched.
    assert figures["kpis"]["plan_within_8_weeks"]["by_gender"]["man"]["cohort"] == 2


def test_a_whole_cohort_below_five_reads_less_than_five_but_the_cumulative_counts_stay():
    shown = protect(figures_of([Person()] * 3))
    k2 = shown["kpis"]["plan_within_8_weeks"]
    assert (k2["cohort"], k2["met"], k2["percent"]) == (SMALL, SMALL, HIDDEN)
    assert (k2["cumulative"]["cohort"], k2["cumulative"]["met"]) == (3, 3)
    assert k2["cumulative"]["percent"] == HIDDEN


def test_empty_figures_stay_none():
    shown = protect(figures_of([]))
    k2 = shown["kpis"]["plan_within_8_weeks"]
    assert k2["percent"] is None
    assert k2["by_gender"]["woman"] == {
        "cohort": 0,
        "met": 0,
        "excluded": 0,
        "pending": 0,
        "percent": None,
    }


def test_rating_relations():
    # 7 women ended: 5 rated twice (4 improved), 2 missing a rating.
    people = [Person(k4="met")] * 4 + [Person(k4="not_improved")] + [Person(k4="missing")] * 2
    people += [Person(gender="man", k4="met")] * 8
    figures = figures_of(people)
    shown = protect(figures)
    women = shown["kpis"]["self_rating_improved"]["by_gender"]["woman"]
    assert women["missing_rating"] == SMALL
    assert women["met"] == SMALL
    breakdown = figures["kpis"]["self_rating_improved"]["by_gender"]
    shown_breakdown = shown["kpis"]["self_rating_improved"]["by_gender"]
    assert derivable(breakdown, shown_breakdown, "self_rating_improved") == set()


@pytest.mark.django_db
def test_protected_kpis_from_the_database(hela_manniskan):
    for gender in ("woman",) * 6 + ("man",) * 2:
        participant = person(hela_manniskan, start=date(2026, 5, 4), gender=gender)
        plan(participant, date(2026, 5, 20))
    shown = protected_kpis(
        programme=default_programme(),
        period=project_quarter(default_programme(), 1),
        today=date(2026, 11, 23),
    )
    k2 = shown["kpis"]["plan_within_8_weeks"]
    assert (k2["cohort"], k2["met"]) == (8, 8)
    assert k2["by_gender"]["man"]["cohort"] == SMALL
    assert k2["by_gender"]["woman"]["cohort"] == HIDDEN
    assert shown["participants"]["by_gender"]["man"] == SMALL
    assert "individual_contacts" in shown["activity"]


def test_the_checker_finds_what_a_reader_can_work_out():
    """The disclosure checks above and in the property tests assert that the reader learns
    nothing; this shows the checker would notice if they could."""
    # One hidden cell in a row whose total is shown: the reader subtracts.
    original = {"woman": {"cohort": 3}, "man": {"cohort": 10}}
    shown = {"woman": {"cohort": SMALL}, "man": {"cohort": 10}}
    assert derivable(original, shown) == {("woman", "cohort")}
    # Two hidden cells of one row are safe from the row total alone...
    hidden_pair = {"woman": {"cohort": SMALL}, "man": {"cohort": SMALL}}
    assert derivable({"woman": {"cohort": 3}, "man": {"cohort": 2}}, hidden_pair) == set()
    # ...but not from a+b and a-b together, which one sum at a time never solves.
    a, b = ("woman", "met"), ("man", "met")
    assert determined([[(a, 1), (b, 1)], [(a, 1), (b, -1)]], known=set(), targets={a}) == {a}
    assert determined([[(a, 1), (b, 1)]], known=set(), targets={a}) == set()
