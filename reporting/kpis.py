"""The result goals, the activity figures and their breakdowns (docs/kpis.md), for one
programme: its goals (``programmes.goals``, parameters from ``ProgrammeGoal``), its windows and
its age groups are data; this module implements each kind of goal once.

Everything is counted by the database: one grouped query over the programme's rows of the KPI
facts table (``reporting.models.KpiFacts``: one row per participant with its dates, deadlines,
plan dates, contacts' state at the horizon, ratings and first offer, kept current by
PostgreSQL in the transaction of every write, see ``reporting.facts``) gives every goal's
figure for the period, cumulatively and by gender and age group; three more give the activity
figures. The number of queries does not depend on the number of participants. The facts'
columns are those :func:`raw_facts` computes from the case tables, so the same conditions count
either; a database without the facts table (SQLite) is counted from the case tables.
A finished period whose figures retention froze (``reporting.retention``) is answered from
those instead: one query looks for them.

Where each goal kind's figure is computed: ``GOAL_ENGINES`` maps a kind to its
``GoalEngine`` (the conditions counted in the grouped query, and how the counts become the
figures); ``intern_sip_offered``'s are ``_intern_sip_conditions`` and ``_intern_sip_figures``
(the offers are ``plans.MeetingOffer``, issue 16).

``cumulative`` applies the same definitions from the earliest record up to ``to``, which is
the same as leaving the period open at the start (``period_from=None`` below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from cm_portal.models import Organisation
from cm_portal.programmes.goals import CATALOGUE, GoalKind
from cm_portal.programmes.models import Programme
from participants.models import ActivityKind, ActivityRecord, Contact, Gender, Participant
from plans.models import (
    ContactPath,
    CoordinationMeeting,
    Goal,
    IndividualPlan,
    MeetingOffer,
    MeetingStatus,
    PrioritisedContact,
    PrioritisedContactStatus,
    RatingPhase,
    ResponsibilityLink,
    SelfRating,
    SubGoal,
    SubGoalStatus,
)
from reporting.contact_months import contact_totals
from reporting.models import FrozenFigures, KpiFacts

if TYPE_CHECKING:
    from reporting.periods import Period

GENDERS = [Gender.WOMAN, Gender.MAN, Gender.NON_BINARY, Gender.NOT_STATED]
OTHER_AGE = "other"


class AddDays(Func):
    """``date + n days`` as a date on PostgreSQL and SQLite alike."""

    output_field = DateField()

    def __init__(self, expression, days: int, **extra):
        self.days = int(days)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover - other DBs
        raise NotImplementedError(f"AddDays is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        # date + integer is a date in PostgreSQL (date + interval would be a timestamp).
        return Func.as_sql(self, compiler, connection, template=f"(%(expressions)s + {self.days})")

    def as_sqlite(self, compiler, connection, **extra_context):
        return Func.as_sql(
            self, compiler, connection, template=f"date(%(expressions)s, '{self.days:+d} days')"
        )


class AddMonths(Func):
    """The same day of the month ``months`` later, or that month's last day when the day
    does not exist there (the last of November + 3 months = the last of February), as
    ``plans.deadlines``."""

    output_field = DateField()

    def __init__(self, expression, months: int, **extra):
        self.months = int(months)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover - other DBs
        raise NotImplementedError(f"AddMonths is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        # PostgreSQL clamps to the month's end when the day does not exist.
        return Func.as_sql(
            self,
            compiler,
            connection,
            template=f"CAST(%(expressions)s + INTERVAL '{self.months} months' AS date)",
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        template = SQLITE_ADD_MONTHS.format(e=sql, months=self.months, next=self.months + 1)
        return template, (*params, *params, *params)


# SQLite's '+3 months' rolls over (February 30 becomes March 2), so: the first of the target
# month plus the day offset, and at most that month's last day. '%%' is how Django's SQLite
# backend writes a literal '%'.
SQLITE_ADD_MONTHS = (
    "min("
    "date({e}, 'start of month', '+{months} months', "
    "'+' || (CAST(strftime('%%d', {e}) AS integer) - 1) || ' days'), "
    "date({e}, 'start of month', '+{next} months', '-1 days'))"
)


def programme_goals(programme: Programme) -> dict[str, Any]:
    """The programme's goals by kind, in the catalogue's order (read once: prefetched)."""
    prefetch_related_objects([programme], "goals")
    goals = {goal.kind: goal for goal in programme.goals.all()}
    return {kind: goals[kind] for kind in CATALOGUE if kind in goals}


def goal_definitions(programme: Programme) -> list[dict[str, Any]]:
    """Which goal definition a report uses: each goal's kind, parameters and version."""
    return [goal.definition() for goal in programme_goals(programme).values()]


def age_groups(programme: Programme) -> dict[str, tuple[int, int]]:
    """The programme's age groups by label ("low-high"); everyone else is ``OTHER_AGE``."""
    return {f"{low}-{high}": (low, high) for low, high in programme.age_bins}


@dataclass(frozen=True)
class Scope:
    """The programme, the period and the organisation (``None`` = all) the figures are for."""

    period_from: date
    period_to: date
    today: date
    programme: Programme
    organisation: Organisation | None = None

    @classmethod
    def of_period(
        cls,
        period: Period,
        *,
        today: date,
        programme: Programme,
        organisation: Organisation | None = None,
    ) -> Scope:
        """The scope of ``period`` (a ``reporting.periods.Period``)."""
        return cls(
            period_from=period.start,
            period_to=period.end,
            today=today,
            programme=programme,
            organisation=organisation,
        )

    def goal(self, kind: str):
        return programme_goals(self.programme).get(kind)


def _within(field: str, period_from: date | None, period_to: date) -> Q:
    q = Q(**{f"{field}__lte": period_to})
    if period_from is not None:
        q &= Q(**{f"{field}__gte": period_from})
    return q


def _age_expression() -> ExpressionWrapper:
    return ExpressionWrapper(
        ExtractYear("intervention_start") - F("birth_year"), output_field=IntegerField()
    )


def facts_maintained() -> bool:
    """Whether the database keeps ``KpiFacts`` (PostgreSQL's triggers, ``reporting.facts``);
    elsewhere (a developer's SQLite) the figures are counted from the case tables."""
    return connection.vendor == "postgresql"


def _age_group(programme: Programme) -> Case:
    return Case(
        *[
            When(age__gte=low, age__lte=high, then=Value(name))
            for name, (low, high) in age_groups(programme).items()
        ],
        default=Value(OTHER_AGE),
        output_field=CharField(),
    )


def raw_facts(programme: Programme, organisation: Organisation | None = None):
    """The programme's participants with the columns of ``KpiFacts``, computed from the case
    tables: what the facts table must hold (``reporting.facts`` compares the two), and what
    the figures are counted from where the database keeps no facts."""
    participants = Participant.objects.filter(programme=programme)
    if organisation is not None:
        participants = participants.filter(organisation=organisation)
    goals = programme_goals(programme)
    no_date = Value(None, output_field=DateField())
    plan = goals.get(GoalKind.PLAN_WITHIN_WINDOW)
    crisis = goals.get(GoalKind.CRISIS_PLAN_WITHIN_WINDOW)
    contacts = goals.get(GoalKind.PRIORITISED_CONTACTS_BY_HORIZON)
    participants = participants.annotate(
        age=_age_expression(),
        d2=AddDays("intervention_start", plan.window_days) if plan else no_date,
        d5=AddDays("intervention_start", crisis.window_days) if crisis else no_date,
        d3=AddMonths("intervention_start", contacts.horizon_months) if contacts else no_date,
        plan_on=F("individual_plan__established_on"),
        # A crisis plan counts once established with at least one link in the chain.
        crisis_on=Case(
            When(
                Exists(ResponsibilityLink.objects.filter(crisis_plan__participant=OuterRef("pk"))),
                then=F("crisis_plan__established_on"),
            ),
            default=None,
            output_field=DateField(),
        ),
        first_offered_on=Subquery(
            MeetingOffer.objects.filter(participant=OuterRef("pk"))
            .order_by("offered_on")
            .values("offered_on")[:1]
        ),
    )
    if contacts:
        due_contacts = PrioritisedContact.objects.filter(participant=OuterRef("pk")).exclude(
            status=PrioritisedContactStatus.CANCELLED
        )
        due_contacts = due_contacts.filter(
            Q(planned_on__lte=OuterRef("d3")) | Q(completed_on__lte=OuterRef("d3"))
        )
        participants = participants.annotate(
            has_due_contact=Exists(due_contacts),
            has_unmet_due_contact=Exists(
                due_contacts.exclude(
                    status=PrioritisedContactStatus.COMPLETED, completed_on__lte=OuterRef("d3")
                )
            ),
        )
    else:
        participants = participants.annotate(
            has_due_contact=Value(False), has_unmet_due_contact=Value(False)
        )
    baseline = SelfRating.objects.filter(
        participant=OuterRef("pk"), phase=RatingPhase.BASELINE
    ).order_by("rated_on", "id")
    follow_up = SelfRating.objects.filter(
        participant=OuterRef("pk"), phase=RatingPhase.FOLLOW_UP
    ).order_by("-rated_on", "-id")
    ucla_sum = ExpressionWrapper(
        F("ucla_1") + F("ucla_2") + F("ucla_3"), output_field=IntegerField()
    )
    return participants.annotate(
        plan_goals_met=ExpressionWrapper(plan_goals_met(), output_field=BooleanField()),
        plan_incomplete=ExpressionWrapper(plan_incomplete(), output_field=BooleanField()),
        baseline_ucla=Subquery(baseline.annotate(s=ucla_sum).values("s")[:1]),
        baseline_participation=Subquery(baseline.values("participation")[:1]),
        follow_up_ucla=Subquery(follow_up.annotate(s=ucla_sum).values("s")[:1]),
        follow_up_participation=Subquery(follow_up.values("participation")[:1]),
    )


def plan_goals_met() -> Q:
    """Q on participants: the plan has a goal, and every goal has an achieved sub-goal and no
    open one (dropped sub-goals count neither way)."""
    goals = Goal.objects.filter(plan__participant=OuterRef("pk"))
    achieved = SubGoal.objects.filter(goal=OuterRef("pk"), status=SubGoalStatus.ACHIEVED)
    still_open = SubGoal.objects.filter(goal=OuterRef("pk"), status=SubGoalStatus.OPEN)
    unmet = goals.filter(~Exists(achieved) | Exists(still_open))
    return Q(Exists(goals)) & ~Q(Exists(unmet))


def plan_incomplete() -> Q:
    """Q on participants: the plan has no goal, a goal without a sub-goal, or no contact
    path (the data-quality warning; the rules of ``plan_establish`` forbid these)."""
    goals = Goal.objects.filter(plan__participant=OuterRef("pk"))
    goal_without_sub_goal = goals.exclude(Exists(SubGoal.objects.filter(goal=OuterRef("pk"))))
    return Q(Exists(IndividualPlan.objects.filter(participant=OuterRef("pk")))) & (
        ~Q(Exists(goals))
        | Q(Exists(goal_without_sub_goal))
        | ~Q(Exists(ContactPath.objects.filter(plan__participant=OuterRef("pk"))))
    )


def _annotated_participants(scope: Scope):
    """The scope's participants from the case tables, with the facts' columns and the age
    group (``reporting.equality`` reads the participants' own fields beside them)."""
    return raw_facts(scope.programme, scope.organisation).annotate(
        age_group=_age_group(scope.programme)
    )


def _counted_rows(scope: Scope):
    """One row per participant of the scope with what its goals count, and the age group:
    the facts table, or the case tables where the database keeps none."""
    if not facts_maintained():
        return _annotated_participants(scope)
    rows = KpiFacts.objects.filter(programme=scope.programme)
    if scope.organisation is not None:
        rows = rows.filter(organisation=scope.organisation)
    return rows.annotate(age_group=_age_group(scope.programme))


def _plan_conditions(
    prefix: str,
    established: str,
    due: str,
    scope: Scope,
    period_from: date | None,
    *,
    crisis: bool,
) -> dict[str, Q]:
    """K2 (established = plan_on, due = d2) or K5 (crisis_on, d5, crisis-relevant only)."""
    candidates = _within(due, period_from, scope.period_to)
    if crisis:
        candidates &= Q(crisis_relevant=True)
    ended_early = Q(intervention_end__isnull=False, intervention_end__lt=F(due))
    established_by_end = Q(**{f"{established}__isnull": False}) & Q(
        **{f"{established}__lte": F("intervention_end")}
    )
    excluded = candidates & ended_early & ~established_by_end
    counted = candidates & ~excluded
    met = Q(**{f"{established}__isnull": False}) & Q(**{f"{established}__lte": F(due)})
    pending = counted & ~met & Q(**{f"{due}__gte": scope.today})
    return {
        f"{prefix}cohort": counted & ~pending,
        f"{prefix}met": counted & met,
        f"{prefix}excluded": excluded,
        f"{prefix}pending": pending,
    }


def _plan_window_conditions(prefix: str, scope: Scope, period_from: date | None):
    return _plan_conditions(prefix, "plan_on", "d2", scope, period_from, crisis=False)


def _crisis_window_conditions(prefix: str, scope: Scope, period_from: date | None):
    return _plan_conditions(prefix, "crisis_on", "d5", scope, period_from, crisis=True)


def _contacts_conditions(prefix: str, scope: Scope, period_from: date | None) -> dict[str, Q]:
    """K3: every due contact completed on or before the horizon D3."""
    candidates = _within("d3", period_from, scope.period_to)
    excluded = candidates & Q(intervention_end__isnull=False, intervention_end__lt=F("d3"))
    counted = candidates & ~excluded
    pending = counted & Q(d3__gte=scope.today)
    cohort = counted & ~pending
    return {
        f"{prefix}cohort": cohort,
        f"{prefix}met": cohort & Q(has_due_contact=True, has_unmet_due_contact=False),
        f"{prefix}excluded": excluded,
        f"{prefix}pending": pending,
        f"{prefix}no_contact_registered": cohort & Q(has_due_contact=False),
    }


def _rating_conditions(prefix: str, scope: Scope, period_from: date | None) -> dict[str, Q]:
    """K4: earliest baseline against latest follow-up, for those who ended in the period."""
    cohort = _within("intervention_end", period_from, scope.period_to)
    evaluable = cohort & Q(baseline_ucla__isnull=False, follow_up_ucla__isnull=False)
    improved = Q(follow_up_ucla__lt=F("baseline_ucla")) | Q(
        follow_up_participation__gt=F("baseline_participation")
    )
    return {
        f"{prefix}cohort": cohort,
        f"{prefix}evaluable": evaluable,
        f"{prefix}met": evaluable & improved,
    }


def in_target_group(programme: Programme) -> Q:
    """Age at start within the programme's target group (no bound where it has none)."""
    q = Q()
    if programme.age_min is not None:
        q &= Q(age__gte=programme.age_min)
    if programme.age_max is not None:
        q &= Q(age__lte=programme.age_max)
    return q


def _intern_sip_conditions(prefix: str, scope: Scope, period_from: date | None) -> dict[str, Q]:
    """The Intern-SIP pilot's goal: the cohort is the participants in the programme's target
    group who were in the support during the period (cumulatively: started by its end); met,
    those of them offered an Intern-SIP (any answer, or asked for by the participant: an
    offer record of ``plans``, issue 16) on or before the period's end."""
    active = Q(intervention_start__lte=scope.period_to)
    if period_from is not None:
        active &= Q(intervention_end__isnull=True) | Q(intervention_end__gte=period_from)
    cohort = active & in_target_group(scope.programme)
    offered = Q(first_offered_on__lte=scope.period_to)
    return {f"{prefix}cohort": cohort, f"{prefix}met": cohort & offered}


def percent(met: int, cohort: int) -> float | None:
    """``round(100 * met / cohort, 1)``, and ``None`` for an empty cohort."""
    if not cohort:
        return None
    return round(100 * met / cohort, 1)


def _plan_figures(counts: dict[str, int], prefix: str) -> dict[str, Any]:
    return {
        "cohort": counts[f"{prefix}cohort"],
        "met": counts[f"{prefix}met"],
        "excluded": counts[f"{prefix}excluded"],
        "pending": counts[f"{prefix}pending"],
        "percent": percent(counts[f"{prefix}met"], counts[f"{prefix}cohort"]),
    }


def _contacts_figures(counts: dict[str, int], prefix: str) -> dict[str, Any]:
    figures = _plan_figures(counts, prefix)
    figures["no_contact_registered"] = counts[f"{prefix}no_contact_registered"]
    return figures


def _rating_figures(counts: dict[str, int], prefix: str) -> dict[str, Any]:
    cohort, evaluable = counts[f"{prefix}cohort"], counts[f"{prefix}evaluable"]
    return {
        "cohort": cohort,
        "evaluable": evaluable,
        "missing_rating": cohort - evaluable,
        "met": counts[f"{prefix}met"],
        "percent": percent(counts[f"{prefix}met"], evaluable),
    }


def _intern_sip_figures(counts: dict[str, int], prefix: str) -> dict[str, Any]:
    return {
        "cohort": counts[f"{prefix}cohort"],
        "met": counts[f"{prefix}met"],
        "percent": percent(counts[f"{prefix}met"], counts[f"{prefix}cohort"]),
    }


Conditions = Callable[[str, Scope, date | None], dict[str, Q]]
Figures = Callable[[dict[str, int], str], dict[str, Any]]


@dataclass(frozen=True)
class GoalEngine:
    """How one kind of goal is counted: its conditions (named ``<prefix><part>``), how the
    counts become its figures, and its keys' prefix in the grouped query."""

    prefix: str
    conditions: Conditions
    figures: Figures


GOAL_ENGINES: dict[str, GoalEngine] = {
    GoalKind.PLAN_WITHIN_WINDOW: GoalEngine("k2_", _plan_window_conditions, _plan_figures),
    GoalKind.PRIORITISED_CONTACTS_BY_HORIZON: GoalEngine(
        "k3_", _contacts_conditions, _contacts_figures
    ),
    GoalKind.SELF_RATING_IMPROVED: GoalEngine("k4_", _rating_conditions, _rating_figures),
    GoalKind.CRISIS_PLAN_WITHIN_WINDOW: GoalEngine("k5_", _crisis_window_conditions, _plan_figures),
    GoalKind.INTERN_SIP_OFFERED: GoalEngine("s1_", _intern_sip_conditions, _intern_sip_figures),
}


def percent_goals(programme: Programme) -> dict[str, str]:
    """The programme's goals with a percentage: their key in the figures by kind."""
    goals = programme_goals(programme)
    return {kind: CATALOGUE[kind].json_key for kind in goals if kind in GOAL_ENGINES}


def _conditions(scope: Scope) -> dict[str, Q]:
    conditions = {
        "started": _within("intervention_start", scope.period_from, scope.period_to),
        "active": Q(intervention_start__lte=scope.period_to)
        & (Q(intervention_end__isnull=True) | Q(intervention_end__gte=scope.period_from)),
        "ended": _within("intervention_end", scope.period_from, scope.period_to),
        "cumulative_started": Q(intervention_start__lte=scope.period_to),
    }
    for period_from, cumulative in ((scope.period_from, ""), (None, "cum_")):
        for kind in percent_goals(scope.programme):
            engine = GOAL_ENGINES[kind]
            conditions |= engine.conditions(f"{cumulative}{engine.prefix}", scope, period_from)
    return conditions


def _kpi(kind: str, goal, total: dict, by_gender: dict, by_age: dict) -> dict[str, Any]:
    engine = GOAL_ENGINES[kind]
    prefix, figures = engine.prefix, engine.figures
    result = figures(total, prefix)
    extra = {}
    if kind == GoalKind.PRIORITISED_CONTACTS_BY_HORIZON:
        # docs/kpis.md: the keys of K2, then the data-quality count.
        extra["no_contact_registered"] = result.pop("no_contact_registered")
    result["target_percent"] = goal.target_percent
    result["cumulative"] = figures(total, f"cum_{prefix}")
    result |= extra
    result["by_gender"] = {key: figures(counts, prefix) for key, counts in by_gender.items()}
    result["by_age_group"] = {key: figures(counts, prefix) for key, counts in by_age.items()}
    return result


def frozen_figures_of(
    periods: list[tuple[date, date]], programme: Programme, organisation: Organisation | None
) -> dict[tuple[date, date], dict[str, Any]]:
    """The frozen figures of those of ``periods`` that have them, by (start, end): one query."""
    rows = FrozenFigures.objects.filter(
        programme=programme,
        organisation=organisation,
        period_start__in={start for start, _end in periods},
    ).values_list("period_start", "period_end", "figures")
    wanted = set(periods)
    return {(start, end): figures for start, end, figures in rows if (start, end) in wanted}


def frozen_figures(scope: Scope) -> dict[str, Any] | None:
    """The figures frozen for exactly this period, programme and organisation before
    retention deleted a case they count (``reporting.retention``), or None: one query."""
    frozen = FrozenFigures.objects.filter(
        programme=scope.programme,
        period_start=scope.period_from,
        period_end=scope.period_to,
        organisation=scope.organisation,
    ).first()
    return frozen.figures if frozen else None


def _grouped_rows(scope: Scope):
    return (
        _counted_rows(scope)
        .order_by()
        .values("gender", "age_group")
        .annotate(**{name: Count("pk", filter=q) for name, q in _conditions(scope).items()})
    )


# Stand-ins for the scope's dates in a compiled query (no case or period has them).
_FROM, _TO, _TODAY = date(1901, 1, 1), date(1901, 2, 2), date(1901, 3, 3)
_COMPILED: dict[tuple, tuple[str, tuple]] = {}
_COMPILED_MAX = 64


def _compiled_grouped_sql(scope: Scope) -> tuple[str, list]:
    """The grouped query over the facts table as SQL and parameters.

    Building its hundred filtered counts with the ORM costs more than running it, and a
    report runs it once for the period and once for every quarter of the trend. The SQL
    depends on the programme's goals, age groups and target group and on whether an
    organisation is chosen, not on the dates: it is compiled once with stand-in dates, and
    the dates are put in its parameters."""
    programme = scope.programme
    key = (
        programme.pk,
        repr(goal_definitions(programme)),
        repr(programme.age_bins),
        programme.age_min,
        programme.age_max,
        None if scope.organisation is None else scope.organisation.pk,
    )
    compiled = _COMPILED.get(key)
    if compiled is None:
        stand_in = Scope(
            period_from=_FROM,
            period_to=_TO,
            today=_TODAY,
            programme=programme,
            organisation=scope.organisation,
        )
        compiled = _grouped_rows(stand_in).query.sql_with_params()
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[key] = compiled
    sql, params = compiled
    dates = {_FROM: scope.period_from, _TO: scope.period_to, _TODAY: scope.today}
    return sql, [dates.get(param, param) if type(param) is date else param for param in params]


def _grouped_counts(scope: Scope) -> list[dict[str, Any]]:
    """The rows of ``_grouped_rows``: one per gender and age group."""
    if not facts_maintained():
        return list(_grouped_rows(scope))
    sql, params = _compiled_grouped_sql(scope)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def computed_participant_figures(scope: Scope) -> dict[str, Any]:
    """The programme's goals with their breakdowns: one query, grouped by gender and age."""
    conditions = _conditions(scope)
    zero = dict.fromkeys(conditions, 0)
    total = dict(zero)
    by_gender = {str(gender): dict(zero) for gender in GENDERS}
    by_age = {name: dict(zero) for name in [*age_groups(scope.programme), OTHER_AGE]}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The planner's cost estimate for this one wide query switches on JIT, whose
            # compilation takes seconds; without it the query runs in well under a second.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        rows = _grouped_counts(scope)
    # At most one row per gender and age group: this loop does not grow with the data.
    for row in rows:
        for name in conditions:
            total[name] += row[name]
            by_gender.setdefault(row["gender"], dict(zero))[name] += row[name]
            by_age[row["age_group"]][name] += row[name]
    goals = programme_goals(scope.programme)
    reached = goals.get(GoalKind.PARTICIPANTS_REACHED)
    return {
        "participants": {
            "started": total["started"],
            "active": total["active"],
            "ended": total["ended"],
            "cumulative_started": total["cumulative_started"],
            "target": reached.target if reached else None,
            "by_gender": {key: counts["started"] for key, counts in by_gender.items()},
            "by_age_group": {key: counts["started"] for key, counts in by_age.items()},
        },
        "kpis": {
            key: _kpi(kind, goals[kind], total, by_gender, by_age)
            for kind, key in percent_goals(scope.programme).items()
        },
    }


def activity_figures(scope: Scope) -> dict[str, Any]:
    """The activity figures of the period, frozen or computed."""
    if (frozen := frozen_figures(scope)) is not None:
        return frozen["activity"]
    return _computed_activity_figures(scope)


def _computed_activity_figures(scope: Scope) -> dict[str, Any]:
    """Contacts, activity records and coordination meetings of the programme in the period:
    three queries (the contacts by month where the database keeps them,
    ``reporting.contact_months``)."""
    programme = scope.programme
    contacts = Contact.objects.filter(
        participant__programme=programme, date__gte=scope.period_from, date__lte=scope.period_to
    )
    records = ActivityRecord.objects.filter(
        programme=programme, date__gte=scope.period_from, date__lte=scope.period_to
    )
    meetings = CoordinationMeeting.objects.filter(
        participant__programme=programme,
        status=MeetingStatus.HELD,
        meeting_on__gte=scope.period_from,
        meeting_on__lte=scope.period_to,
    )
    if scope.organisation is not None:
        contacts = contacts.filter(participant__organisation=scope.organisation)
        records = records.filter(organisation=scope.organisation)
        meetings = meetings.filter(participant__organisation=scope.organisation)

    if facts_maintained():
        # The whole months from ContactMonth, the other days from the contacts.
        contact_counts = contact_totals(
            programme=programme,
            organisation=scope.organisation,
            period_from=scope.period_from,
            period_to=scope.period_to,
        )
    else:
        contact_counts = contacts.aggregate(
            contacts=Count("pk"), persons=Count("participant", distinct=True)
        )
    information = Q(kind=ActivityKind.INFORMATION_SESSION)
    outreach = Q(kind=ActivityKind.OUTREACH)
    record_counts = records.aggregate(
        first_time=Coalesce(Sum("first_time_visitors", filter=Q(kind=ActivityKind.DROP_IN)), 0),
        information_sessions=Count("pk", filter=information),
        information_attendees=Coalesce(Sum("people_reached", filter=information), 0),
        outreach_occasions=Count("pk", filter=outreach),
        outreach_minutes=Coalesce(Sum("duration_minutes", filter=outreach), 0),
        outreach_people_reached=Coalesce(Sum("people_reached", filter=outreach), 0),
    )
    meeting_counts = meetings.aggregate(
        held=Count("pk"),
        late=Count(
            "pk",
            filter=Q(
                invitation_sent_on__isnull=False,
                invitation_sent_on__gt=AddDays("meeting_on", -programme.invitation_days_ahead),
            ),
        ),
    )
    return {
        "individual_contacts": contact_counts["contacts"],
        "unique_persons": contact_counts["persons"] + record_counts["first_time"],
        "information_sessions": record_counts["information_sessions"],
        "information_attendees": record_counts["information_attendees"],
        "outreach_occasions": record_counts["outreach_occasions"],
        "outreach_hours": round(record_counts["outreach_minutes"] / MINUTES_PER_HOUR, 1),
        "outreach_people_reached": record_counts["outreach_people_reached"],
        "meetings_held": meeting_counts["held"],
        "meetings_invited_late": meeting_counts["late"],
    }


MINUTES_PER_HOUR = 60


def the_only_programme() -> Programme:
    """The installation's programme when it has exactly one; ``ValueError`` otherwise."""
    programmes = list(Programme.objects.all()[:2])
    if len(programmes) != 1:
        raise ValueError("name the programme: the installation has more than one (or none)")
    return programmes[0]


def compute_kpis(
    *,
    period_from: date,
    period_to: date,
    programme: Programme | None = None,
    organisation: Organisation | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The JSON object of docs/kpis.md for ``programme`` (by default the installation's only
    one) and ``[period_from, period_to]``, breakdowns included.

    ``today`` (default: the local date) decides who is still *pending*. A period whose
    figures retention froze (``reporting.retention``) gives those.
    """
    if period_from > period_to:
        raise ValueError("period_from is after period_to")
    scope = Scope(
        period_from=period_from,
        period_to=period_to,
        today=today or timezone.localdate(),
        programme=programme or the_only_programme(),
        organisation=organisation,
    )
    if (frozen := frozen_figures(scope)) is not None:
        return frozen
    figures = computed_participant_figures(scope)
    return {
        "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
        "participants": figures["participants"],
        "kpis": figures["kpis"],
        "activity": _computed_activity_figures(scope),
    }


def period_kpis(
    *,
    programme: Programme,
    period: Period,
    organisation: Organisation | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """``compute_kpis`` of ``programme`` for ``period`` (a ``reporting.periods.Period``)."""
    return compute_kpis(
        period_from=period.start,
        period_to=period.end,
        programme=programme,
        organisation=organisation,
        today=today,
    )
