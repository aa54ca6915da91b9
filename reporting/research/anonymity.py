"""k-anonymity over the research export's quasi-identifiers: generalise, then suppress.

Pure Python on plain rows (dicts), no database: the property test drives it with random
populations. The quasi-identifiers are exactly the columns of ``QUASI_IDENTIFIERS``
(docs/security.md, research data); every other column is carried along untouched.

The rule, applied to the rows of every combination of quasi-identifier values shared by
fewer than ``k`` rows (an *equivalence class* too small):

1. generalise the age group (``18-21`` → ``all``); classes are formed anew;
2. generalise the start quarter to its year (``YYYY-Q3`` → ``YYYY``) for the rows still in a
   class too small; classes are formed anew;
3. drop the rows still in a class too small (suppression).

A generalised value never equals an ungeneralised one (``all`` is no age group, ``YYYY`` no
quarter), so a step never makes a class that was large enough small again, and every class
left at the end has at least ``k`` rows. The result says how many rows were generalised (and
kept) and how many were dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

QUASI_IDENTIFIERS = ("gender", "age_group", "entry_path", "organisation_kind", "start_quarter")
# The research agreement's k: at least this, whatever an agreement says.
MIN_K = 3
DEFAULT_K = 5
ALL_AGES = "all"

Row = dict[str, Any]


def year_of_quarter(quarter: str) -> str:
    """``YYYY-Q3`` → ``YYYY`` (a year stays a year)."""
    return quarter.split("-", 1)[0]


def _all_ages(row: Row) -> Row:
    return {**row, "age_group": ALL_AGES}


def _year_only(row: Row) -> Row:
    return {**row, "start_quarter": year_of_quarter(str(row["start_quarter"]))}


# The generalisation steps, in order; each applies to the rows a previous step left in a
# class that is too small.
STEPS: tuple[Callable[[Row], Row], ...] = (_all_ages, _year_only)


def class_of(row: Row) -> tuple:
    return tuple(row[column] for column in QUASI_IDENTIFIERS)


@dataclass(frozen=True)
class Anonymised:
    rows: list[Row]
    k: int
    generalised: int  # rows kept with at least one value generalised
    dropped: int  # rows suppressed


def _small(rows: list[Row], k: int) -> list[bool]:
    sizes = Counter(class_of(row) for row in rows)
    return [sizes[class_of(row)] < k for row in rows]


def k_anonymise(rows: Iterable[Row], *, k: int) -> Anonymised:
    """The rows with every quasi-identifier combination shared by at least ``k`` of them."""
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    current = [dict(row) for row in rows]
    touched = [False] * len(current)
    for step in STEPS:
        small = _small(current, k)
        for index, too_small in enumerate(small):
            if too_small:
                current[index] = step(current[index])
                touched[index] = True
    small = _small(current, k)
    kept = [row for row, too_small in zip(current, small, strict=True) if not too_small]
    generalised = sum(
        1
        for was_touched, too_small in zip(touched, small, strict=True)
        if was_touched and not too_small
    )
    return Anonymised(rows=kept, k=k, generalised=generalised, dropped=len(current) - len(kept))


def smallest_class(rows: Iterable[Row]) -> int:
    """The size of the smallest equivalence class (0 for no rows): at least k after
    ``k_anonymise``."""
    sizes = Counter(class_of(row) for row in rows)
    return min(sizes.values(), default=0)
