"""Every write to programmes, their phases, goals and members, each in the access log.

A goal's every change is also kept as a ``ProgrammeGoalChange`` (who, when, the parameters
as they became), and the goal's ``version`` counts them, so a report can say which goal
definition it used.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.models import AccessEvent, Organisation, Role, User
from cm_portal.unset import UNSET, Unset

from .goals import PARAMETER_BOUNDS, validate_parameters
from .models import (
    EntryPath,
    Programme,
    ProgrammeGoal,
    ProgrammeGoalChange,
    ProgrammePhase,
    ReportingPeriod,
)

Action = AccessEvent.Action
# The member roles: they see a programme's reports, aggregate only (docs/domain.md).
MEMBER_ROLES = (Role.STEERING_GROUP, Role.PROJECT_GROUP)
# Deadline-table distances a new programme starts with unless it is given its own
# (docs/kpis.md, "Deadlines").
DEFAULT_WINDOWS = {
    "plan_window_opens_days": 28,
    "horizon_window_days": 14,
    "baseline_rating_days": 14,
    "invitation_days_ahead": 14,
    "follow_up_window_days": 14,
    "asked_for_hold_days": 30,
}
DEFAULT_REPORTING_PERIODS = [
    ReportingPeriod.PROJECT_QUARTER,
    ReportingPeriod.PROJECT_YEAR,
    ReportingPeriod.TERTIAL,
    ReportingPeriod.YEAR,
    ReportingPeriod.MONTH,
]


def _log_programme(
    programme: Programme,
    action: str,
    actor: User | None,
    client_address: str | None,
    *,
    detail: str,
) -> None:
    """Log a change to the programme, its goals, phases or members (on the programme)."""
    access_log.record(
        action=action, actor=actor, client_address=client_address, obj=programme, detail=detail
    )


def programme_create(
    *,
    slug: str,
    name: str,
    start: date,
    end: date,
    organisations: Iterable[Organisation],
    age_min: int | None = None,
    age_max: int | None = None,
    age_bins: list[list[int]] | None = None,
    entry_paths: list[str] | None = None,
    reporting_periods: list[str] | None = None,
    phases: list[tuple[str, str, int, int]] | None = None,
    members: Iterable[User] | None = None,
    actor: User | None = None,
    client_address: str | None = None,
) -> Programme:
    """Create a programme with the organisations that take part (and, if given, its phases
    and members); ``ValidationError`` on a taken slug, dates out of order, an age range upside
    down, no organisation, phases with a gap or a member who is not of a steering or project
    group. All or nothing."""
    organisations = list(organisations)
    if age_bins is None:
        age_bins = [[age_min, age_max]] if age_min is not None and age_max is not None else []
    programme = Programme(
        slug=slug,
        name=name.strip(),
        start=start,
        end=end,
        age_min=age_min,
        age_max=age_max,
        age_bins=age_bins,
        entry_paths=list(entry_paths or EntryPath.values),
        reporting_periods=list(reporting_periods or DEFAULT_REPORTING_PERIODS),
        **DEFAULT_WINDOWS,
    )
    programme.full_clean()
    if not organisations:
        raise ValidationError(
            {"organisations": _("Name at least one organisation that takes part.")}
        )
    with transaction.atomic():
        programme.save(force_insert=True)
        programme.organisations.set(organisations)
        _log_programme(programme, Action.CREATE, actor, client_address, detail="programme created")
        if phases:
            programme_phases_set(
                programme=programme, phases=phases, actor=actor, client_address=client_address
            )
        if members is not None:
            programme_members_set(
                programme=programme, members=members, actor=actor, client_address=client_address
            )
    return programme


def programme_update(
    *,
    programme: Programme,
    actor: User | None,
    client_address: str | None = None,
    name: str | Unset = UNSET,
    start: date | Unset = UNSET,
    end: date | Unset = UNSET,
    organisations: Iterable[Organisation] | Unset = UNSET,
    age_min: int | Unset | None = UNSET,
    age_max: int | Unset | None = UNSET,
    age_bins: list[list[int]] | Unset = UNSET,
    entry_paths: list[str] | Unset = UNSET,
    reporting_periods: list[str] | Unset = UNSET,
    phases: list[tuple[str, str, int, int]] | Unset = UNSET,
    members: Iterable[User] | Unset = UNSET,
) -> Programme:
    """Change what is given (UNSET = leave as it is); the access log names the fields.
    All or nothing."""
    values = {
        "name": name,
        "start": start,
        "end": end,
        "age_min": age_min,
        "age_max": age_max,
        "age_bins": age_bins,
        "entry_paths": entry_paths,
        "reporting_periods": reporting_periods,
    }
    changed = [
        field
        for field, value in values.items()
        if value is not UNSET and getattr(programme, field) != value
    ]
    for field in changed:
        setattr(programme, field, values[field])
    new_organisations = None
    if not isinstance(organisations, Unset):
        new_organisations = list(organisations)
        if not new_organisations:
            raise ValidationError(
                {"organisations": _("Name at least one organisation that takes part.")}
            )
        if {o.pk for o in new_organisations} != set(
            programme.organisations.values_list("pk", flat=True)
        ):
            changed.append("organisations")
    programme.full_clean()
    with transaction.atomic():
        fields = [f for f in changed if f != "organisations"]
        if fields:
            programme.save(update_fields=fields)
        if new_organisations is not None:
            programme.organisations.set(new_organisations)
        if changed:
            _log_programme(
                programme,
                Action.CHANGE,
                actor,
                client_address,
                detail=f"programme changed: {', '.join(sorted(changed))}",
            )
        current_phases = [
            (p.key, p.name, p.first_month, p.last_month) for p in programme.phases.all()
        ]
        if not isinstance(phases, Unset) and phases != current_phases:
            programme_phases_set(
                programme=programme, phases=phases, actor=actor, client_address=client_address
            )
        if not isinstance(members, Unset):
            chosen = list(members)
            if {u.pk for u in chosen} != set(programme.members.values_list("pk", flat=True)):
                programme_members_set(
                    programme=programme,
                    members=chosen,
                    actor=actor,
                    client_address=client_address,
                )
    return programme


def programme_phases_set(
    *,
    programme: Programme,
    phases: list[tuple[str, str, int, int]],
    actor: User | None,
    client_address: str | None = None,
) -> list[ProgrammePhase]:
    """Replace the phases by ``phases`` ((key, name, first month, last month), in order):
    they must follow one another without a gap or an overlap from month 1."""
    rows = [
        ProgrammePhase(programme=programme, key=key, name=name, first_month=first, last_month=last)
        for key, name, first, last in phases
    ]
    expected_first = 1
    for row in rows:
        row.full_clean(exclude=["programme"], validate_unique=False)
        if row.first_month != expected_first:
            raise ValidationError(
                {
                    "phases": _(
                        "The phase '%(name)s' should start in month %(month)d: phases follow "
                        "one another from month 1, without a gap or an overlap."
                    )
                    % {"name": row.name, "month": expected_first}
                }
            )
        expected_first = row.last_month + 1
    if len({row.key for row in rows}) != len(rows):
        raise ValidationError({"phases": _("Two phases have the same short name.")})
    with transaction.atomic():
        programme.phases.all().delete()
        created = ProgrammePhase.objects.bulk_create(rows)
        _log_programme(
            programme, Action.CHANGE, actor, client_address, detail="programme phases set"
        )
    return created


def programme_goal_set(
    *,
    programme: Programme,
    kind: str,
    actor: User | None,
    client_address: str | None = None,
    target: int | None = None,
    target_percent: int | None = None,
    window_days: int | None = None,
    horizon_months: int | None = None,
) -> ProgrammeGoal:
    """Give ``programme`` a goal of ``kind`` with these parameters, or change the one it has
    (a new version, kept with who and when). The parameters are those the kind takes
    (``programmes.goals``); anything else is refused with a message."""
    parameters = {
        "target": target,
        "target_percent": target_percent,
        "window_days": window_days,
        "horizon_months": horizon_months,
    }
    checked = validate_parameters(kind, parameters)
    now = timezone.now()
    with transaction.atomic():
        goal = (
            ProgrammeGoal.objects.select_for_update().filter(programme=programme, kind=kind).first()
        )
        if goal is not None and goal.parameters == checked:
            return goal
        if goal is None:
            last = (
                ProgrammeGoalChange.objects.filter(programme=programme, kind=kind)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            goal = ProgrammeGoal(programme=programme, kind=kind, version=(last or 0) + 1)
        else:
            goal.version += 1
        for name in PARAMETER_BOUNDS:
            setattr(goal, name, checked.get(name))
        goal.updated_at = now
        goal.updated_by = actor
        goal.full_clean(validate_unique=False)
        goal.save()
        ProgrammeGoalChange.objects.create(
            programme=programme,
            kind=kind,
            version=goal.version,
            parameters=checked,
            changed_at=now,
            changed_by=actor,
        )
        _log_programme(
            programme,
            Action.CHANGE,
            actor,
            client_address,
            detail=f"programme goal {kind} version {goal.version}",
        )
    return goal


def programme_goal_remove(
    *, programme: Programme, kind: str, actor: User | None, client_address: str | None = None
) -> bool:
    """Take the goal of ``kind`` off ``programme`` (kept in the history); False if it had none."""
    with transaction.atomic():
        goal = (
            ProgrammeGoal.objects.select_for_update().filter(programme=programme, kind=kind).first()
        )
        if goal is None:
            return False
        ProgrammeGoalChange.objects.create(
            programme=programme,
            kind=kind,
            version=goal.version + 1,
            parameters={},
            removed=True,
            changed_by=actor,
        )
        goal.delete()
        _log_programme(
            programme, Action.CHANGE, actor, client_address, detail=f"programme goal {kind} removed"
        )
    return True


def programme_members_set(
    *,
    programme: Programme,
    members: Iterable[User],
    actor: User | None,
    client_address: str | None = None,
) -> None:
    """Who of the steering and project groups follows this programme; no other role may be
    a member (a case manager's access comes from their organisation, not from here)."""
    members = list(members)
    wrong = [user for user in members if user.role not in MEMBER_ROLES]
    if wrong:
        raise ValidationError(
            {
                "members": _(
                    "Only members of a steering group or a project group can follow a "
                    "programme's reports."
                )
            }
        )
    with transaction.atomic():
        programme.members.set(members)
        _log_programme(
            programme, Action.CHANGE, actor, client_address, detail="programme members set"
        )


def programme_for_intake(*, organisation: Organisation, programme: Programme | None) -> Programme:
    """The programme a new participant of ``organisation`` is enrolled in: the one chosen,
    which must be one the organisation takes part in, or the only one it takes part in."""
    offered = list(organisation.programmes.all())
    if programme is not None:
        if programme.pk not in {p.pk for p in offered}:
            raise ValidationError(
                {"programme": _("Choose a programme your organisation takes part in.")}
            )
        return programme
    if len(offered) == 1:
        return offered[0]
    if not offered:
        raise ValidationError(
            {
                "programme": _(
                    "Your organisation takes part in no programme yet: an administrator adds "
                    "it to one first."
                )
            }
        )
    raise ValidationError({"programme": _("Choose the programme the participant is enrolled in.")})
