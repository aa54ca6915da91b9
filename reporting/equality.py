"""The equality view (jämställdhetsanalys, seed 002; docs/kpis.md "Equality view"): does the
programme reach and support young adults alike whatever their gender and age?

For a period ``[from, to]`` and the participants *in the support during it* (K1's ``active``),
by gender, by the programme's age groups and, for the funnel, by entry path:

* reached (in the support), started in the period (K1), ended in the period, and the ended
  by their coded reason (``participants.EndReason``; never the free text);
* the entry paths they came by;
* contacts and contact hours per participant in the period (medians, zeros included);
* plan established on or before ``to``, and the median days from start to it;
* plan goals met: the established plan has at least one goal and every goal is met (at least
  one sub-goal achieved and none open; sub-goal statuses carry no date, so this is their
  state now);
* K3, K4 and K5 as the result goals define them: these, and ``started`` (and ``ended``, which
  is K4's cohort), are the breakdowns' figures of ``reporting.kpis``, already protected, taken
  as they are so the two sections never disagree about what is hidden.

``equality_figures`` computes the raw figures in one grouped query (``GROUPING SETS``: by
gender, by age group, by entry path and in all), wrapped as ``kpis`` wraps its own (a
savepoint and ``SET LOCAL jit = off``): four queries whatever the number of participants.
``protect_equality`` protects them through ``reporting.disclosure.suppress_linked`` (counts
of 1 to 4 hidden, secondary suppression over every relation between the cells, checked
against a reader who solves them all together; medians of fewer than 5 people not shown) and
``equality_view`` lays out the tables the page and the PDF show.
"""

from __future__ import annotations

import statistics
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cm_portal.programmes.models import EntryPath, Programme
from participants.models import Contact, EndReason, Gender
from reporting.contact_months import per_participant_sql
from reporting.disclosure import (
    Cell,
    is_suppressed,
    shown_count,
    shown_median,
    suppress_linked,
)
from reporting.kpis import (
    GENDERS,
    MINUTES_PER_HOUR,
    OTHER_AGE,
    Scope,
    _annotated_participants,
    _conditions,
    _counted_rows,
    age_groups,
    facts_maintained,
)

ALL = "all"
# The counts of a group; ``path:<entry path>`` are added per entry path.
COUNTS = ("reached", "started", "ended", "plan", "goals_met")
MEDIANS = ("contacts_median", "minutes_median", "days_to_plan_median")
# Never printed, but a reader gets them by subtraction: they take part in the suppression.
DERIVED = {
    "continuing": ("reached", "started"),  # in the support, started before the period
    "still_in": ("reached", "ended"),  # in the support at the period's end
    "no_plan": ("reached", "plan"),
    "goals_not_met": ("plan", "goals_met"),
}
FUNNEL = ("reached", "plan", "goals_met")


def _path(entry_path: str) -> str:
    return f"path:{entry_path}"


# The coded reasons for ending (participants.EndReason), and "" for a case closed without
# one (none should be: the close form requires it, and migration 0008 coded the old ones).
END_REASONS = [*EndReason.values, ""]
NOT_RECORDED = "not_recorded"


def _end(code: str) -> str:
    return f"end:{code or NOT_RECORDED}"


def _participant_rows(scope: Scope, *, contacts: bool = True):
    """One row per participant of the programme (and organisation): the groups, K1's
    conditions (``reporting.kpis``) as booleans, and (``contacts``) the period's contacts and
    minutes. Read from the KPI facts table where the database keeps it (``_grouped_sql``
    then joins the contacts by month, ``reporting.contact_months``), else from the case
    tables."""
    conditions = _conditions(scope)
    if facts_maintained():
        rows = _counted_rows(scope).annotate(
            person=F("participant_id"),
            entry_path=F("participant__entry_path"),
            end_reason_code=F("participant__end_reason_code"),
            eq_plan_on=F("plan_on"),
        )
    else:
        rows = _annotated_participants(scope).annotate(
            person=F("pk"),
            eq_plan_on=F("individual_plan__established_on"),
        )
    rows = rows.annotate(
        eq_reached=ExpressionWrapper(conditions["active"], output_field=BooleanField()),
        eq_started=ExpressionWrapper(conditions["started"], output_field=BooleanField()),
        eq_ended=ExpressionWrapper(conditions["ended"], output_field=BooleanField()),
        # The facts' column, or raw_facts' from the plan's goals (kpis.plan_goals_met).
        eq_goals_met=F("plan_goals_met"),
    )
    columns = [
        "person",
        "gender",
        "age_group",
        "entry_path",
        "end_reason_code",
        "intervention_start",
        "eq_reached",
        "eq_started",
        "eq_ended",
        "eq_plan_on",
        "eq_goals_met",
    ]
    if contacts:
        in_period = (
            Contact.objects.filter(
                participant=OuterRef("pk"), date__gte=scope.period_from, date__lte=scope.period_to
            )
            .order_by()
            .values("participant")
        )
        rows = rows.annotate(
            eq_contacts=Coalesce(
                Subquery(in_period.annotate(n=Count("pk")).values("n")),
                0,
                output_field=IntegerField(),
            ),
            eq_minutes=Coalesce(
                Subquery(in_period.annotate(m=Sum("duration_minutes")).values("m")),
                0,
                output_field=IntegerField(),
            ),
        )
        columns += ["eq_contacts", "eq_minutes"]
    return rows.order_by().values(*columns)


def _participants_sql(scope: Scope) -> tuple[str, list]:
    """The rows of ``_participant_rows`` as SQL; with the facts table, their contacts and
    minutes joined from the contacts by month instead of counted per participant."""
    if not facts_maintained():
        sql, params = _participant_rows(scope).query.sql_with_params()
        return sql, list(params)
    inner, inner_params = _participant_rows(scope, contacts=False).query.sql_with_params()
    contacts, contact_params = per_participant_sql(
        programme=scope.programme,
        organisation=scope.organisation,
        period_from=scope.period_from,
        period_to=scope.period_to,
    )
    sql = (
        "SELECT person_row.*, COALESCE(counted.contacts, 0) AS eq_contacts,"  # noqa: S608
        " COALESCE(counted.minutes, 0) AS eq_minutes"
        f" FROM ({inner}) AS person_row LEFT JOIN ({contacts}) AS counted"
        " ON counted.participant_id = person_row.person"
    )
    return sql, [*inner_params, *contact_params]


def _grouped_sql(scope: Scope, paths: list[str]) -> tuple[str, list]:
    inner, inner_params = _participants_sql(scope)
    plan = "eq_reached AND eq_plan_on IS NOT NULL AND eq_plan_on <= %s"
    columns = [
        "GROUPING(gender) AS g_gender",
        "GROUPING(age_group) AS g_age",
        "GROUPING(entry_path) AS g_path",
        "gender",
        "age_group",
        "entry_path",
        "COUNT(*) FILTER (WHERE eq_reached) AS reached",
        "COUNT(*) FILTER (WHERE eq_started) AS started",
        "COUNT(*) FILTER (WHERE eq_ended) AS ended",
        f"COUNT(*) FILTER (WHERE {plan}) AS plan",
        f"COUNT(*) FILTER (WHERE {plan} AND eq_goals_met) AS goals_met",
        *(
            f"COUNT(*) FILTER (WHERE eq_reached AND entry_path = %s) AS path_{index}"
            for index in range(len(paths))
        ),
        *(
            f"COUNT(*) FILTER (WHERE eq_ended AND end_reason_code = %s) AS end_{index}"
            for index in range(len(END_REASONS))
        ),
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY eq_contacts) FILTER (WHERE eq_reached)"
        " AS contacts_median",
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY eq_minutes) FILTER (WHERE eq_reached)"
        " AS minutes_median",
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY eq_plan_on - intervention_start)"
        f" FILTER (WHERE {plan}) AS days_to_plan_median",
    ]
    to = scope.period_to
    params = [to, to, *paths, *END_REASONS, to]
    sql = (
        f"SELECT {', '.join(columns)} FROM ({inner}) AS participant "  # noqa: S608 - no input
        "GROUP BY GROUPING SETS ((gender), (age_group), (entry_path), ())"
    )
    return sql, [*params, *inner_params]


def _median(values: list) -> float | None:
    return float(statistics.median(values)) if values else None


def _grouped_rows_in_python(scope: Scope, paths: list[str]) -> list[dict[str, Any]]:
    """The rows of ``_grouped_sql``, counted here: SQLite (``make run``'s embedded database)
    has neither GROUPING SETS nor percentile_cont. The same definitions, row for row."""
    to = scope.period_to
    people = list(_participant_rows(scope))

    def has_plan(person: dict[str, Any]) -> bool:
        return (
            bool(person["eq_reached"])
            and person["eq_plan_on"] is not None
            and (person["eq_plan_on"] <= to)
        )

    def row(members: list[dict[str, Any]], **group: Any) -> dict[str, Any]:
        reached = [p for p in members if p["eq_reached"]]
        ended = [p for p in members if p["eq_ended"]]
        planned = [p for p in members if has_plan(p)]
        return {
            **group,
            "reached": len(reached),
            "started": sum(1 for p in members if p["eq_started"]),
            "ended": len(ended),
            "plan": len(planned),
            "goals_met": sum(1 for p in planned if p["eq_goals_met"]),
            **{
                f"path_{index}": sum(1 for p in reached if p["entry_path"] == path)
                for index, path in enumerate(paths)
            },
            **{
                f"end_{index}": sum(1 for p in ended if p["end_reason_code"] == code)
                for index, code in enumerate(END_REASONS)
            },
            "contacts_median": _median([p["eq_contacts"] for p in reached]),
            "minutes_median": _median([p["eq_minutes"] for p in reached]),
            "days_to_plan_median": _median(
                [(p["eq_plan_on"] - p["intervention_start"]).days for p in planned]
            ),
        }

    rows = []
    for field, flags in (
        ("gender", (0, 1, 1)),
        ("age_group", (1, 0, 1)),
        ("entry_path", (1, 1, 0)),
    ):
        for value in sorted({person[field] for person in people}, key=str):
            members = [person for person in people if person[field] == value]
            rows.append(
                row(
                    members,
                    g_gender=flags[0],
                    g_age=flags[1],
                    g_path=flags[2],
                    gender=value if field == "gender" else None,
                    age_group=value if field == "age_group" else None,
                    entry_path=value if field == "entry_path" else None,
                )
            )
    rows.append(
        row(people, g_gender=1, g_age=1, g_path=1, gender=None, age_group=None, entry_path=None)
    )
    return rows


def _grouped_rows(scope: Scope, paths: list[str]) -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        return _grouped_rows_in_python(scope, paths)
    sql, params = _grouped_sql(scope, paths)
    with transaction.atomic(), connection.cursor() as cursor:
        # As kpis.computed_participant_figures: the wide query's cost estimate switches on
        # JIT, whose compilation costs more than the query.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _empty(paths: list[str]) -> dict[str, Any]:
    return {
        **dict.fromkeys(COUNTS, 0),
        **{_path(path): 0 for path in paths},
        **{_end(code): 0 for code in END_REASONS},
        **dict.fromkeys(MEDIANS),
    }


def equality_figures(scope: Scope) -> dict[str, Any]:
    """The raw figures (not for anyone's eyes before ``equality_section``): ``all``,
    ``by_gender``, ``by_age_group`` and ``by_entry_path``, each group with ``COUNTS``,
    ``path:<entry path>`` counts and ``MEDIANS`` (``None`` over no one; minutes, days)."""
    paths = list(EntryPath.values)
    rows = _grouped_rows(scope, paths)
    result: dict[str, Any] = {
        "all": _empty(paths),
        "by_gender": {str(gender): _empty(paths) for gender in GENDERS},
        "by_age_group": {name: _empty(paths) for name in [*age_groups(scope.programme), OTHER_AGE]},
        "by_entry_path": {path: _empty(paths) for path in paths},
    }
    for row in rows:
        if not row["g_gender"]:
            group = result["by_gender"].setdefault(row["gender"], _empty(paths))
        elif not row["g_age"]:
            group = result["by_age_group"].setdefault(row["age_group"], _empty(paths))
        elif not row["g_path"]:
            group = result["by_entry_path"].setdefault(row["entry_path"], _empty(paths))
        else:
            group = result["all"]
        for name in COUNTS:
            group[name] = row[name]
        for index, path in enumerate(paths):
            group[_path(path)] = row[f"path_{index}"]
        for index, code in enumerate(END_REASONS):
            group[_end(code)] = row[f"end_{index}"]
        for name in MEDIANS:
            group[name] = None if row[name] is None else float(row[name])
    return result


# --- Disclosure control -----------------------------------------------------------------


def _columns(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every group as a column key: ``all``, ``gender:woman``, ``age:18-21``, ``entry:x``."""
    columns = {ALL: raw["all"]}
    for prefix, breakdown in (("gender", "by_gender"), ("age", "by_age_group")):
        for key, figures in raw[breakdown].items():
            columns[f"{prefix}:{key}"] = figures
    for key, figures in raw["by_entry_path"].items():
        columns[f"entry:{key}"] = figures
    return columns


def _values(columns: dict[str, dict[str, Any]], paths: list[str]) -> dict[Cell, int]:
    values: dict[Cell, int] = {}
    for column, figures in columns.items():
        names = (
            FUNNEL
            if column.startswith("entry:")
            else (*COUNTS, *map(_path, paths), *map(_end, END_REASONS))
        )
        for name in names:
            values[(column, name)] = figures[name]
        for name, (total, part) in DERIVED.items():
            if total in names and part in names:
                values[(column, name)] = figures[total] - figures[part]
    return values


def equality_relations(
    columns: list[str], values: dict[Cell, int], paths: list[str]
) -> list[tuple[Cell, ...]]:
    """Every sum a reader can make: within a group (reached = its entry paths; ended = its
    reasons; reached =
    started + continuing = ended + still in = plan + no plan; plan = goals met + not), each
    figure over a breakdown's groups against its total, and the funnel's reached of an entry
    path being the total's count of that entry path."""
    relations: list[tuple[Cell, ...]] = []
    for column in columns:
        if (column, "started") in values:
            relations.append(((column, "reached"), *((column, _path(p)) for p in paths)))
            relations.append(((column, "ended"), *((column, _end(c)) for c in END_REASONS)))
        for name, (total, part) in DERIVED.items():
            if (column, name) in values:
                relations.append(((column, total), (column, part), (column, name)))
    for prefix in ("gender:", "age:", "entry:"):
        members = [column for column in columns if column.startswith(prefix)]
        names = {name for (column, name) in values if column == members[0]}
        for name in sorted(names):
            relations.append(((ALL, name), *((column, name) for column in members)))
    for path in paths:
        relations.append(((ALL, _path(path)), (f"entry:{path}", "reached")))
    return relations


def _fixed_cells(figures: dict[str, Any], raw: dict[str, Any]) -> dict[Cell, int | str]:
    """The cells the breakdowns show already, as they show them: started (K1) and, when the
    programme has K4, ended (K4's cohort)."""
    people = figures["participants"]
    fixed: dict[Cell, int | str] = {(ALL, "started"): people["started"]}
    k4 = figures["kpis"].get("self_rating_improved")
    if k4 is not None:
        fixed[(ALL, "ended")] = k4["cohort"]
    for prefix, breakdown in (("gender", "by_gender"), ("age", "by_age_group")):
        for key in raw[breakdown]:
            fixed[(f"{prefix}:{key}", "started")] = people[breakdown].get(key, 0)
            if k4 is not None:
                fixed[(f"{prefix}:{key}", "ended")] = k4[breakdown].get(key, {}).get("cohort", 0)
    return fixed


def protect_equality(raw: dict[str, Any], figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The raw figures as the steering group may see them, by column key (``all``,
    ``gender:<key>``, ``age:<key>``, ``entry:<key>``): counts as ``int``, ``SMALL`` or
    ``HIDDEN``, medians as ``float`` or ``HIDDEN`` (minutes become hours). ``figures`` is
    the protected KPI object of the same period (``disclosure.protect``)."""
    paths = list(raw["by_entry_path"])
    columns = _columns(raw)
    values = _values(columns, paths)
    fixed = _fixed_cells(figures, raw)
    hidden = suppress_linked(
        values,
        equality_relations(list(columns), values, paths),
        fixed=fixed,
        hidden={cell for cell, shown in fixed.items() if is_suppressed(shown)},
        unprinted={cell for cell in values if cell[1] in DERIVED},
    )
    result: dict[str, dict[str, Any]] = {}
    for column, group in columns.items():
        shown: dict[str, Any] = {}
        for (cell_column, name), value in values.items():
            if cell_column != column or name in DERIVED:
                continue
            cell = (column, name)
            shown[name] = fixed[cell] if cell in fixed else shown_count(value, cell in hidden)
        reached_hidden = (column, "reached") in hidden
        plan_hidden = (column, "plan") in hidden
        if not column.startswith("entry:"):
            shown["contacts_median"] = shown_median(
                group["contacts_median"], group["reached"], reached_hidden
            )
            minutes = group["minutes_median"]
            shown["hours_median"] = shown_median(
                None if minutes is None else round(minutes / MINUTES_PER_HOUR, 1),
                group["reached"],
                reached_hidden,
            )
            shown["days_to_plan_median"] = shown_median(
                group["days_to_plan_median"], group["plan"], plan_hidden
            )
        result[column] = shown
    return result


# --- The tables the page and the PDF show ---------------------------------------------------

# Where K3 to K5 (the programme's, in this order) have their counts: met of ``base``.
K_FIGURES = {
    "prioritised_contacts_3_months": "cohort",
    "self_rating_improved": "evaluable",
    "crisis_plan_within_8_weeks": "cohort",
}


def _row(label: str, headings: list[str], cells: list[str]) -> dict[str, Any]:
    """A row as selectors' breakdowns make it (the page's and the PDF's partials read it);
    the label serves the print as it is."""
    from reporting.selectors import breakdown_row  # see _group_table

    return breakdown_row(label, label, headings, cells)


def _group_table(
    *,
    table_id: str,
    caption: str,
    columns: list[tuple[str, str]],
    shown: dict[str, dict[str, Any]],
    kpi_cells: dict[str, dict[str, Any]],
    paths: list[tuple[str, str]],
    reasons: list[tuple[str, str]],
    goals: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    """One table: a column per group and one for all, a row per figure."""
    from reporting.selectors import show  # selectors hooks this module in: read late

    headings = [heading for _key, heading in columns]

    def row(label: str, name: str) -> dict[str, Any]:
        return _row(label, headings, [show(shown[key][name]) for key, _h in columns])

    rows = [
        row(_("In the support during the period"), "reached"),
        row(_("Started in the period"), "started"),
        *(row(_("Came by: %(path)s") % {"path": label}, _path(path)) for path, label in paths),
        row(_("Contacts per participant in the period (median)"), "contacts_median"),
        row(_("Contact hours per participant in the period (median)"), "hours_median"),
        row(_("Plan established by the period's end"), "plan"),
        row(_("Days from start to established plan (median)"), "days_to_plan_median"),
        row(_("Every goal of the plan met"), "goals_met"),
    ]
    for name, (code, label) in goals.items():
        if name not in K_FIGURES:
            continue
        base = K_FIGURES[name]
        cells = []
        for key, _heading in columns:
            values = kpi_cells[key].get(name, {})
            cells.append(
                f"{show(values.get('met'))} / {show(values.get(base))}"
                f" ({show(values.get('percent'), percent=True)})"
            )
        rows.append(
            _row(
                _("%(code)s %(name)s: met / counted (%%)") % {"code": code, "name": label},
                headings,
                cells,
            )
        )
    rows.append(row(_("Ended in the period"), "ended"))
    rows += [row(_("Ended: %(reason)s") % {"reason": label}, _end(code)) for code, label in reasons]
    return {"id": table_id, "caption": caption, "columns": headings, "rows": rows}


def _kpi_cells(figures: dict[str, Any], columns: list[str]) -> dict[str, dict[str, Any]]:
    """The protected K3 to K5 figures of each column key."""
    cells: dict[str, dict[str, Any]] = {}
    for column in columns:
        prefix, _sep, key = column.partition(":")
        breakdown = {"gender": "by_gender", "age": "by_age_group"}.get(prefix)
        cells[column] = {
            name: kpi if column == ALL else kpi.get(breakdown, {}).get(key, {})
            for name, kpi in figures["kpis"].items()
            if breakdown or column == ALL
        }
    return cells


def _funnel(shown: dict[str, dict[str, Any]], paths: list[tuple[str, str]]) -> dict[str, Any]:
    from reporting.selectors import show  # see _group_table

    headings = [
        str(_("In the support during the period")),
        str(_("Plan established")),
        str(_("Every goal of the plan met")),
    ]
    rows = [
        _row(label, headings, [show(shown[f"entry:{path}"][name]) for name in FUNNEL])
        for path, label in paths
    ]
    rows.append(_row(_("All entry paths"), headings, [show(shown[ALL][name]) for name in FUNNEL]))
    return {
        "id": "equality-funnel",
        "caption": _("From entry path to established plan to goals met, in the period"),
        "first_heading": _("Entry path"),
        "columns": headings,
        "rows": rows,
    }


def equality_view(
    *, scope: Scope, figures: dict[str, Any], goals: dict[str, tuple[str, str]]
) -> dict[str, Any]:
    """The equality section of the report on ``scope``: its tables after disclosure control.
    ``figures`` is the report's protected KPI object, ``goals`` its goal names by key."""
    from reporting.selectors import age_labels  # see _group_table

    raw = equality_figures(scope)
    shown = protect_equality(raw, figures)
    programme: Programme = scope.programme
    # The programme's entry paths, and any other a participant still has.
    paths = [
        (path, str(EntryPath(path).label))
        for path in EntryPath.values
        if path in programme.entry_paths or raw["all"][_path(path)]
    ]
    # Every coded reason; "not recorded" only when a case has no code (older data).
    reasons = [(str(code), str(label)) for code, label in EndReason.choices]
    if raw["all"][_end("")]:
        reasons.append(("", str(_("reason not recorded"))))
    genders = [(f"gender:{gender}", str(Gender(gender).label)) for gender in GENDERS]
    ages = [(f"age:{key}", label) for key, label in age_labels(programme).items()]
    everyone = (ALL, str(_("All")))
    kpi_cells = _kpi_cells(figures, list(shown))
    return {
        "tables": [
            _group_table(
                table_id=table_id,
                caption=caption,
                columns=[*groups, everyone],
                shown=shown,
                kpi_cells=kpi_cells,
                paths=paths,
                reasons=reasons,
                goals=goals,
            )
            for table_id, caption, groups in (
                (
                    "equality-gender",
                    _("By gender: reach, support and results in the period"),
                    genders,
                ),
                (
                    "equality-age",
                    _("By age group at start: reach, support and results in the period"),
                    ages,
                ),
            )
        ],
        "funnel": _funnel(shown, paths),
        "shown": shown,
    }
