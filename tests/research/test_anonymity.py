"""The k-anonymity engine on random populations (no database): every combination of the
quasi-identifiers occurs at least k times; rows are only generalised as the rule says or
dropped, and the counts reported add up."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.research.anonymity import (
    ALL_AGES,
    QUASI_IDENTIFIERS,
    class_of,
    k_anonymise,
    smallest_class,
    year_of_quarter,
)

GENDERS = ["woman", "man", "non_binary", "not_stated"]
AGES = ["18-21", "22-25", "26-29", "other"]
PATHS = ["hela_manniskan", "outreach", "district_support", "other"]
KINDS = ["public_authority", "civil_society"]
QUARTERS = [f"{year}-Q{q}" for year in (2026, 2027) for q in (1, 2, 3, 4)]

rows_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "gender": st.sampled_from(GENDERS),
            "age_group": st.sampled_from(AGES),
            "entry_path": st.sampled_from(PATHS),
            "organisation_kind": st.sampled_from(KINDS),
            "start_quarter": st.sampled_from(QUARTERS),
            "days_to_plan": st.one_of(st.none(), st.integers(0, 400)),
        }
    ),
    max_size=80,
).map(lambda rows: [{**row, "pseudonym": f"p{index}"} for index, row in enumerate(rows)])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(rows=rows_strategy, k=st.integers(3, 8))
def test_every_combination_occurs_at_least_k_times(rows, k):
    result = k_anonymise(rows, k=k)

    sizes = Counter(class_of(row) for row in result.rows)
    assert all(size >= k for size in sizes.values())
    assert not result.rows or smallest_class(result.rows) >= k
    assert len(result.rows) + result.dropped == len(rows)
    originals = {row["pseudonym"]: row for row in rows}
    generalised = 0
    for row in result.rows:
        original = originals[row["pseudonym"]]
        # Only the age group and the quarter change, and only towards the coarser value.
        assert {c: v for c, v in row.items() if c not in ("age_group", "start_quarter")} == {
            c: v for c, v in original.items() if c not in ("age_group", "start_quarter")
        }
        assert row["age_group"] in (original["age_group"], ALL_AGES)
        assert row["start_quarter"] in (
            original["start_quarter"],
            year_of_quarter(original["start_quarter"]),
        )
        if row["start_quarter"] != original["start_quarter"]:
            assert row["age_group"] == ALL_AGES  # the quarter goes only after the age
        generalised += row != original
    assert result.generalised == generalised


def test_a_large_enough_population_passes_unchanged():
    rows = [
        {**dict.fromkeys(QUASI_IDENTIFIERS, "x"), "start_quarter": "2026-Q3", "pseudonym": str(n)}
        for n in range(5)
    ]
    result = k_anonymise(rows, k=5)
    assert result.rows == rows
    assert (result.generalised, result.dropped) == (0, 0)


def test_a_small_group_is_generalised_then_dropped():
    base = {
        "gender": "woman",
        "entry_path": "outreach",
        "organisation_kind": "civil_society",
    }
    rows = (
        # Three of 18-21 and two of 22-25 in 2026-Q3: together five once the age goes.
        [{**base, "age_group": "18-21", "start_quarter": "2026-Q3"} for _ in range(3)]
        + [{**base, "age_group": "22-25", "start_quarter": "2026-Q3"} for _ in range(2)]
        # One man: nothing makes five of him.
        + [{**base, "gender": "man", "age_group": "18-21", "start_quarter": "2026-Q1"}]
    )
    result = k_anonymise(rows, k=5)
    assert [row["age_group"] for row in result.rows] == [ALL_AGES] * 5
    assert (result.generalised, result.dropped) == (5, 1)


def test_the_quarter_becomes_the_year_when_the_age_is_not_enough():
    row = {"gender": "woman", "entry_path": "outreach", "organisation_kind": "civil_society"}
    rows = [{**row, "age_group": "18-21", "start_quarter": f"2026-Q{q}"} for q in (1, 1, 2, 3, 4)]
    result = k_anonymise(rows, k=5)
    assert {r["start_quarter"] for r in result.rows} == {"2026"}
    assert (result.generalised, result.dropped) == (5, 0)


def test_k_below_three_is_refused():
    with pytest.raises(ValueError):
        k_anonymise([], k=2)
