"""Builders and an attacker for the disclosure tests.

``figures_of(people)`` gives an object shaped like ``compute_kpis``'s from a list of
imagined people, so every figure is consistent with the others (cohort = met + not met ...).
``derivable(...)`` plays the reader who adds and subtracts: it returns the hidden values
the shown ones and the totals give away.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.disclosure import PERCENT_OF, RELATIONS, is_suppressed
from reporting.kpis import GENDERS, OTHER_AGE, percent

# "Vägledning i Vardagslivet" as its migration makes it.
AGE_GROUPS = {"18-21": (18, 21), "22-25": (22, 25), "26-29": (26, 29)}
TARGET_PERCENT = {
    "plan_within_8_weeks": 80,
    "prioritised_contacts_3_months": 70,
    "self_rating_improved": 60,
    "crisis_plan_within_8_weeks": 70,
}

GENDER_KEYS = [str(gender) for gender in GENDERS]
AGE_KEYS = [*AGE_GROUPS, OTHER_AGE]
PLAN_OUTCOMES = ["none", "met", "not_met", "excluded", "pending"]
CONTACT_OUTCOMES = ["none", "met", "no_contact", "not_met_with_contact", "excluded", "pending"]
RATING_OUTCOMES = ["none", "met", "not_improved", "missing"]
KPI_NAMES = list(TARGET_PERCENT)


@dataclass(frozen=True)
class Person:
    gender: str = "woman"
    age_group: str = "18-21"
    started: bool = True
    k2: str = "met"
    k3: str = "met"
    k4: str = "met"
    k5: str = "none"


def _goal_counts(outcomes: list[str], counted: tuple[str, ...]) -> dict:
    """A goal's figures from each person's outcome; ``counted``: the outcomes in the cohort."""
    cohort = sum(o in counted for o in outcomes)
    met = outcomes.count("met")
    return {
        "cohort": cohort,
        "met": met,
        "excluded": outcomes.count("excluded"),
        "pending": outcomes.count("pending"),
        "percent": percent(met, cohort),
    }


def _plan(people: list[Person], attribute: str) -> dict:
    return _goal_counts([getattr(p, attribute) for p in people], ("met", "not_met"))


def _contacts(people: list[Person]) -> dict:
    outcomes = [p.k3 for p in people]
    return {
        **_goal_counts(outcomes, ("met", "no_contact", "not_met_with_contact")),
        "no_contact_registered": outcomes.count("no_contact"),
    }


def _rating(people: list[Person]) -> dict:
    outcomes = [p.k4 for p in people]
    cohort = sum(o != "none" for o in outcomes)
    evaluable = sum(o in ("met", "not_improved") for o in outcomes)
    met = outcomes.count("met")
    return {
        "cohort": cohort,
        "evaluable": evaluable,
        "missing_rating": cohort - evaluable,
        "met": met,
        "percent": percent(met, evaluable),
    }


FIGURES = {
    "plan_within_8_weeks": lambda people: _plan(people, "k2"),
    "prioritised_contacts_3_months": _contacts,
    "self_rating_improved": _rating,
    "crisis_plan_within_8_weeks": lambda people: _plan(people, "k5"),
}


def figures_of(people: list[Person]) -> dict:
    """An object shaped like ``compute_kpis``'s result for these people."""
    by_gender = {key: [p for p in people if p.gender == key] for key in GENDER_KEYS}
    by_age = {key: [p for p in people if p.age_group == key] for key in AGE_KEYS}
    kpis = {}
    for name, figures in FIGURES.items():
        kpi = figures(people)
        extra = {}
        if "no_contact_registered" in kpi:
            extra["no_contact_registered"] = kpi.pop("no_contact_registered")
        kpi["target_percent"] = TARGET_PERCENT[name]
        kpi["cumulative"] = figures(people)
        kpi |= extra
        kpi["by_gender"] = {key: figures(group) for key, group in by_gender.items()}
        kpi["by_age_group"] = {key: figures(group) for key, group in by_age.items()}
        kpis[name] = kpi
    started = [p for p in people if p.started]
    return {
        "period": {"from": "2026-05-01", "to": "2026-07-31"},
        "participants": {
            "started": len(started),
            "active": len(started),
            "ended": 0,
            "cumulative_started": len(started),
            "target": 30,
            "by_gender": {k: sum(p.gender == k for p in started) for k in GENDER_KEYS},
            "by_age_group": {k: sum(p.age_group == k for p in started) for k in AGE_KEYS},
        },
        "kpis": kpis,
        "activity": {"individual_contacts": 3, "unique_persons": 2},
    }


def _with_virtual(cells: dict[str, dict], kpi: str) -> dict[str, dict[str, int]]:
    values = {}
    for key, figures in cells.items():
        counts = {n: v for n, v in figures.items() if n != "percent"}
        for total, first, second in RELATIONS.get(kpi, []):
            for part, other in ((first, second), (second, first)):
                if part not in counts:
                    counts[part] = counts[total] - counts[other]
        values[key] = counts
    return values


def derivable(original: dict[str, dict], shown: dict[str, dict], kpi: str = "") -> set:
    """The (cell, figure) pairs a reader can work out that they should not: hidden counts,
    and unprinted parts (``not_met`` ...) of 1 to 4. Zeros the reader learns are allowed."""
    values = _with_virtual(original, kpi)
    names = sorted({n for counts in values.values() for n in counts})
    known = {
        (key, name)
        for key, counts in values.items()
        for name in counts
        if name in shown[key] and not is_suppressed(shown[key][name])
    }
    equations = []  # each: a list of (cell, sign) whose signed sum is known
    for name in names:
        equations.append([((key, name), 1) for key in values])  # the row's total is shown
    for key in values:
        for total, first, second in RELATIONS.get(kpi, []):
            equations.append([((key, total), 1), ((key, first), -1), ((key, second), -1)])
        numerator, denominator = PERCENT_OF.get(kpi, ("met", "cohort"))
        if not is_suppressed(shown[key].get("percent")) and shown[key].get("percent"):
            equations.append([((key, numerator), 1), ((key, denominator), -1)])
    secret = set()
    for key, counts in values.items():
        for name, value in counts.items():
            printed = name in shown[key]
            if printed and is_suppressed(shown[key][name]) and value != 0:
                secret.add((key, name))
            if not printed and 1 <= value <= 4:
                secret.add((key, name))
    # The reader who combines every equation at once (``determined``), not only the one
    # who solves them one at a time.
    return determined(equations, known, secret)


PRIME = (1 << 61) - 1


def determined(equations: list[list[tuple[object, int]]], known: set, targets: set) -> set:
    """The ``targets`` a reader who knows the ``known`` cells can solve for from the
    ``equations`` (each: cells with signs whose sum is known), by any linear combination of
    them, not only one at a time: a target is determined when its unit vector lies in the
    span of the equations over the unknown cells (Gaussian elimination modulo a large prime,
    which for these small integer coefficients is the rank over the rationals)."""
    unknowns = sorted({cell for equation in equations for cell, _ in equation} - known, key=str)
    index = {cell: position for position, cell in enumerate(unknowns)}
    pivots: dict[int, dict[int, int]] = {}

    def reduce(row: dict[int, int]) -> dict[int, int]:
        row = dict(row)
        while row:
            lead = min(row)
            if lead not in pivots:
                return row
            factor = row[lead]
            for column, value in pivots[lead].items():
                row[column] = (row.get(column, 0) - factor * value) % PRIME
                if not row[column]:
                    del row[column]
        return row

    for equation in equations:
        row: dict[int, int] = {}
        for cell, sign in equation:
            if cell in index:
                row[index[cell]] = (row.get(index[cell], 0) + sign) % PRIME
        reduced = reduce({column: value for column, value in row.items() if value})
        if reduced:
            lead = min(reduced)
            inverse = pow(reduced[lead], PRIME - 2, PRIME)
            pivots[lead] = {column: value * inverse % PRIME for column, value in reduced.items()}
    return {target for target in targets if target in index and not reduce({index[target]: 1})}
