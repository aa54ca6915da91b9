"""Disclosure control for what the steering group sees (docs/kpis.md, "Breakdowns and
disclosure control").

``protect`` takes the object ``reporting.kpis.compute_kpis`` returns and gives a copy in
which no person can be singled out:

* **Primary suppression.** In a breakdown (``by_gender``, ``by_age_group``) a count of 1 to
  4 is shown as :data:`SMALL` ("< 5"). A zero is shown: it is not disclosive in this spec.
* **Rows.** A row is one figure across the cells of one breakdown, e.g. K2's ``met`` for
  woman, man, non-binary/other and not stated. Its total is the figure for the whole
  cohort, which is shown as it is. When exactly one cell of a row is hidden it could be
  worked out as total minus the shown cells, so the next smallest non-zero shown cell is
  hidden too (:data:`HIDDEN`, an en dash); when every other cell is zero, a zero is hidden.
  Participants' ``started`` is a row of its own (``participants.by_gender``).
* **Relations inside a cell.** The figures of one cell are tied together, and each relation
  is treated like a row with its own total: for K2 and K5 ``cohort = met + not met``; for K3
  also ``not met = no_contact_registered + not met with a contact registered``; for K4
  ``cohort = evaluable + missing_rating`` and ``evaluable = met + not improved``. "Not met"
  and "not improved" are never printed but a reader can subtract, so they are rows too
  (a "not met" of 1 to 4 hides ``met`` or ``cohort`` of that cell). ``excluded`` and
  ``pending`` are separate groups of people with no relation to the others.
  Hiding repeats until every row and every relation has no hidden member or at least two,
  so no hidden value can be recomputed from the shown ones by adding and subtracting.
* **Percentages.** A percentage is :data:`HIDDEN` when its cohort (its denominator:
  ``cohort``, for K4 ``evaluable``) is 1 to 4, and in a breakdown also when its numerator
  or denominator is hidden (``met = percent * cohort`` would give it away). A percentage
  of an empty cohort stays ``None``, as ``compute_kpis`` gives it, unless the empty cohort
  itself is hidden. This applies to the whole-cohort and cumulative percentages too.

* **Small cohorts** (kpis.md, issue 15). When a goal's cohort for the period, or the base of
  its percentage (K4's ``evaluable``), is 1 to 4, a reader who knows who started then would
  learn those people's results from the whole-cohort figures, even "0 of 1". Then that base,
  ``met`` and every figure that splits the base (``no_contact_registered``, ``evaluable`` and
  ``missing_rating``) read :data:`SMALL` (a count of 0 to 4) or :data:`HIDDEN` (a larger
  one that would give the base away), the percentage is hidden, and so is every cell of the
  goal's breakdowns. ``pending`` and ``excluded`` are other people and stay. The cumulative
  figures are not touched: they carry the information, over a larger cohort.

Counts in the result are ``int`` or one of the two strings; percentages ``float``,
``None`` or :data:`HIDDEN`. Templates show them as they are (translate ``SMALL`` where
shown). What remains possible and accepted by the spec: two "< 5" cells whose hidden sum is
2 are both 1.

The activity figures are counts of activities, not of people, and ``unique_persons`` is a
total: they pass unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from reporting.kpis import period_kpis

SMALL = "< 5"
HIDDEN = "\u2013"  # an en dash
SMALL_MAX = 4
BREAKDOWNS = ("by_gender", "by_age_group")

# total = part + part, inside one cell. Names not in the cell are worked out by subtraction.
RELATIONS: dict[str, list[tuple[str, str, str]]] = {
    "plan_within_8_weeks": [("cohort", "met", "not_met")],
    "prioritised_contacts_3_months": [
        ("cohort", "met", "not_met"),
        ("not_met", "no_contact_registered", "not_met_with_contact"),
    ],
    "self_rating_improved": [
        ("cohort", "evaluable", "missing_rating"),
        ("evaluable", "met", "not_improved"),
    ],
    "crisis_plan_within_8_weeks": [("cohort", "met", "not_met")],
}
# percentage = numerator / denominator.
PERCENT_OF: dict[str, tuple[str, str]] = {"self_rating_improved": ("met", "evaluable")}
DEFAULT_PERCENT_OF = ("met", "cohort")
# The figures of one goal that count people of its cohort: hidden together when it is small.
COHORT_FIGURES = ("cohort", "evaluable", "missing_rating", "met", "no_contact_registered")

Cell = tuple[str, str]  # (cell key, figure name)


def is_suppressed(value: Any) -> bool:
    return value in (SMALL, HIDDEN)


def _is_small(value: int) -> bool:
    return 1 <= value <= SMALL_MAX


def _with_derived(
    cells: dict[str, dict[str, int]], relations: list[tuple[str, str, str]]
) -> dict[str, dict[str, int]]:
    """Each cell's counts plus the unprinted parts of its relations (``not_met`` ...)."""
    values = {}
    for key, figures in cells.items():
        counts = {name: v for name, v in figures.items() if name != "percent"}
        for total, first, second in relations:
            for part, other in ((first, second), (second, first)):
                if part not in counts and total in counts and other in counts:
                    counts[part] = counts[total] - counts[other]
        values[key] = counts
    return values


def _hide_one_more(hidden: set[Cell], candidates: Iterable[tuple[int, Cell]]) -> bool:
    """Hide the smallest non-zero candidate (a zero only when all are zero)."""
    shown = [(value, cell) for value, cell in candidates if cell not in hidden]
    if not shown:
        return False
    _, cell = min(shown, key=lambda item: (item[0] == 0, item[0], item[1]))
    hidden.add(cell)
    return True


def suppressed_cells(
    values: dict[str, dict[str, int]], relations: list[tuple[str, str, str]]
) -> set[Cell]:
    """The (cell, figure) pairs to hide: primary, then secondary until stable."""
    hidden = {
        (key, name)
        for key, counts in values.items()
        for name, value in counts.items()
        if _is_small(value)
    }
    names = sorted({name for counts in values.values() for name in counts})
    changed = True
    while changed:
        changed = False
        for name in names:
            row = [(counts[name], (key, name)) for key, counts in values.items() if name in counts]
            if sum(cell in hidden for _, cell in row) == 1:
                changed |= _hide_one_more(hidden, row)
        for key, counts in values.items():
            for relation in relations:
                if not all(name in counts for name in relation):
                    continue
                members = [(counts[name], (key, name)) for name in relation]
                if sum(cell in hidden for _, cell in members) == 1:
                    changed |= _hide_one_more(hidden, members)
    return hidden


def _shown(value: int, hidden: bool) -> int | str:
    if not hidden:
        return value
    return SMALL if _is_small(value) else HIDDEN


def _protect_percent(figures: dict[str, Any], kpi: str, hidden: set[str]) -> None:
    if "percent" not in figures:
        return
    numerator, denominator = PERCENT_OF.get(kpi, DEFAULT_PERCENT_OF)
    base = figures.get(denominator)
    small_base = isinstance(base, int) and _is_small(base)
    if numerator in hidden or denominator in hidden or small_base:
        figures["percent"] = HIDDEN


def protect_breakdown(
    cells: dict[str, dict[str, Any]], *, kpi: str = ""
) -> dict[str, dict[str, Any]]:
    """One breakdown of one KPI (cell key to figures), protected; a new dict."""
    relations = RELATIONS.get(kpi, [])
    values = _with_derived(cells, relations)
    hidden = suppressed_cells(values, relations)
    result = {}
    for key, figures in cells.items():
        shown = dict(figures)
        hidden_here = {name for cell_key, name in hidden if cell_key == key}
        for name, value in figures.items():
            if name != "percent" and isinstance(value, int):
                shown[name] = _shown(value, name in hidden_here)
        _protect_percent(shown, kpi, hidden_here)
        result[key] = shown
    return result


def protect_counts(cells: dict[str, int]) -> dict[str, int | str]:
    """A breakdown of one count (``participants.by_gender``), protected."""
    protected = protect_breakdown({key: {"n": value} for key, value in cells.items()})
    return {key: figures["n"] for key, figures in protected.items()}


def small_cohort(kpi: dict[str, Any], name: str) -> bool:
    """Whether a goal's whole-cohort figures single people out: its cohort or the base of
    its percentage is 1 to 4."""
    _numerator, denominator = PERCENT_OF.get(name, DEFAULT_PERCENT_OF)
    return any(
        isinstance(kpi.get(key), int) and _is_small(kpi[key]) for key in ("cohort", denominator)
    )


def _hide_cohort(figures: dict[str, Any], keep: tuple[str, ...] = ()) -> None:
    for key in COHORT_FIGURES:
        value = figures.get(key)
        if key not in keep and isinstance(value, int) and not isinstance(value, bool):
            figures[key] = SMALL if value <= SMALL_MAX else HIDDEN
    if "percent" in figures:
        figures["percent"] = HIDDEN


def protect_small_cohort(kpi: dict[str, Any], name: str) -> None:
    """A goal of a small cohort, hidden in place (see the module: "Small cohorts")."""
    if not small_cohort(kpi, name):
        return
    cohort = kpi.get("cohort")
    # K4 with a small evaluable base in a cohort of 5 or more: the cohort itself may show.
    keep = ("cohort",) if isinstance(cohort, int) and cohort > SMALL_MAX else ()
    _hide_cohort(kpi, keep)
    for breakdown in BREAKDOWNS:
        for cell in kpi.get(breakdown, {}).values():
            _hide_cohort(cell)


def protect(figures: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``compute_kpis``'s result fit for the steering group (see the module)."""
    result = copy.deepcopy(figures)
    participants = result.get("participants", {})
    for breakdown in BREAKDOWNS:
        if breakdown in participants:
            participants[breakdown] = protect_counts(participants[breakdown])
    for name, kpi in result.get("kpis", {}).items():
        _protect_percent(kpi, name, set())
        if isinstance(kpi.get("cumulative"), dict):
            _protect_percent(kpi["cumulative"], name, set())
        for breakdown in BREAKDOWNS:
            if breakdown in kpi:
                kpi[breakdown] = protect_breakdown(kpi[breakdown], kpi=name)
        protect_small_cohort(kpi, name)
    return result


def protected_kpis(*, programme, period, organisation=None, today=None) -> dict[str, Any]:
    """``compute_kpis`` of ``programme`` for ``period`` (a ``reporting.periods.Period``),
    protected; the activity figures included as they are."""
    return protect(
        period_kpis(programme=programme, period=period, organisation=organisation, today=today)
    )


# --- Linked tables (the equality view, ``reporting.equality``) ------------------------------
#
# The equality view's tables share figures (a gender's "entry path: outreach" adds up, over the
# genders, to the funnel's outreach row) and some of their cells are the breakdowns' figures
# above, already protected. So its cells are protected together, as one system: every cell is
# a ``Cell`` (column, figure); every way a reader can add them up is a *relation*, a tuple of
# cells one of which is the sum of the others (a row with its total, a total with its parts,
# or two cells that are the same number). The rule is the one above: a count of 1 to 4 is
# hidden, and then until stable, a relation with exactly one hidden member gets a second one
# (the smallest non-zero other member that is not fixed). Cells never printed (``not_met``
# above; the equality view's "no plan yet" ...) take part like any other: hiding one of them
# costs nothing on the page but makes the reader's sums through it unknown too.


def suppress_linked(
    values: dict[Cell, int],
    relations: Iterable[tuple[Cell, ...]],
    *,
    fixed: Iterable[Cell] = (),
    hidden: Iterable[Cell] = (),
    unprinted: Iterable[Cell] = (),
) -> set[Cell]:
    """The cells of ``values`` to hide so no relation has exactly one hidden member, and no
    hidden count (nor an unprinted one of 1 to 4) can be solved from the printed ones.

    ``fixed`` cells are shown or hidden already, elsewhere (the breakdowns): never hidden
    here, and counted as hidden only when they are in ``hidden``. ``unprinted`` cells are
    the ones no table prints (the reader can only work them out).
    """
    fixed = set(fixed)
    unprinted = set(unprinted)
    suppressed = set(hidden) | {
        cell for cell, value in values.items() if cell not in fixed and _is_small(value)
    }
    relations = [tuple(relation) for relation in relations]
    while True:
        changed = True
        while changed:
            changed = False
            for relation in relations:
                if sum(cell in suppressed for cell in relation) == 1:
                    candidates = [(values[cell], cell) for cell in relation if cell not in fixed]
                    changed |= _hide_one_more(suppressed, candidates)
        # One relation at a time is not enough: hidden zeros chained through several
        # relations can add up to a known sum. Where the whole system gives a hidden count
        # away, everything in the relations through it is hidden, and the check runs again.
        leaked = _solvable(
            relations,
            known={cell for cell in values if cell not in suppressed and cell not in unprinted},
            targets={
                cell
                for cell, value in values.items()
                if (cell in suppressed and cell not in unprinted and value != 0)
                or (cell in unprinted and _is_small(value))
            },
        )
        more = {
            cell
            for relation in relations
            if leaked.intersection(relation)
            for cell in relation
            if cell not in fixed and cell not in suppressed
        }
        if not more:
            return suppressed
        suppressed |= more


_PRIME = (1 << 61) - 1


def _solvable(
    relations: list[tuple[Cell, ...]], *, known: set[Cell], targets: set[Cell]
) -> set[Cell]:
    """The ``targets`` that a linear combination of the relations (each: the first cell is
    the sum of the others) determines from the ``known`` cells: Gaussian elimination over the
    unknown cells, modulo a large prime (for these small integer coefficients, the rank over
    the rationals)."""
    unknown = sorted({cell for relation in relations for cell in relation} - known)
    index = {cell: position for position, cell in enumerate(unknown)}
    pivots: dict[int, dict[int, int]] = {}

    def reduce(row: dict[int, int]) -> dict[int, int]:
        row = dict(row)
        while row:
            lead = min(row)
            if lead not in pivots:
                return row
            factor = row[lead]
            for column, value in pivots[lead].items():
                row[column] = (row.get(column, 0) - factor * value) % _PRIME
                if not row[column]:
                    del row[column]
        return row

    for relation in relations:
        row: dict[int, int] = {}
        for position, cell in enumerate(relation):
            if cell in index:
                sign = 1 if position == 0 else -1
                row[index[cell]] = (row.get(index[cell], 0) + sign) % _PRIME
        reduced = reduce({column: value for column, value in row.items() if value})
        if reduced:
            lead = min(reduced)
            inverse = pow(reduced[lead], _PRIME - 2, _PRIME)
            pivots[lead] = {column: value * inverse % _PRIME for column, value in reduced.items()}
    return {cell for cell in targets if cell in index and not reduce({index[cell]: 1})}


def shown_count(value: int, hidden: bool) -> int | str:
    """A count as printed: itself, ``SMALL`` (1 to 4) or ``HIDDEN``."""
    return _shown(value, hidden)


def shown_median(median: float | None, base: int, base_hidden: bool) -> float | str:
    """A median over ``base`` people: not shown (``HIDDEN``) over fewer than 5 of them, nor
    when the number of them is hidden (as a percentage of a hidden cohort)."""
    if median is None or base_hidden or base <= SMALL_MAX:
        return HIDDEN
    return median
