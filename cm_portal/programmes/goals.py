"""The fixed catalogue of goal kinds a programme picks its goals from (docs/kpis.md).

The code implements each kind exactly once (``reporting.kpis``); a programme only gives its
parameters. ``validate_parameters`` is the one check of them, used by the model, the forms
and the ``programme_goal`` command, so a window of 0 days or a target of 140 % is refused
with the same message everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class GoalKind(models.TextChoices):
    PARTICIPANTS_REACHED = "participants_reached", _("Participants reached")
    PLAN_WITHIN_WINDOW = "plan_within_window", _("Individual plan within a window")
    PRIORITISED_CONTACTS_BY_HORIZON = (
        "prioritised_contacts_by_horizon",
        _("Prioritised contacts completed by a horizon"),
    )
    SELF_RATING_IMPROVED = "self_rating_improved", _("Self-rated improvement")
    CRISIS_PLAN_WITHIN_WINDOW = (
        "crisis_plan_within_window",
        _("Crisis plan within a window for the crisis-relevant"),
    )
    INTERN_SIP_OFFERED = "intern_sip_offered", _("Offered an Intern-SIP")


# The parameters a goal may have, each with its bounds (both included).
PARAMETER_BOUNDS: dict[str, tuple[int, int]] = {
    "target": (1, 100_000),
    "target_percent": (1, 100),
    "window_days": (1, 366),
    "horizon_months": (1, 60),
}
PARAMETER_LABELS = {
    "target": _("target (participants)"),
    "target_percent": _("target (percent)"),
    "window_days": _("window (days)"),
    "horizon_months": _("horizon (months)"),
}


@dataclass(frozen=True)
class GoalSpec:
    """One kind of the catalogue: its parameters (all required) and its key in the
    ``kpis`` JSON (those of docs/kpis.md for the first five kinds)."""

    kind: str
    parameters: tuple[str, ...]
    json_key: str
    code: str


CATALOGUE: dict[str, GoalSpec] = {
    spec.kind: spec
    for spec in (
        GoalSpec(GoalKind.PARTICIPANTS_REACHED, ("target",), "participants", "K1"),
        GoalSpec(
            GoalKind.PLAN_WITHIN_WINDOW,
            ("window_days", "target_percent"),
            "plan_within_8_weeks",
            "K2",
        ),
        GoalSpec(
            GoalKind.PRIORITISED_CONTACTS_BY_HORIZON,
            ("horizon_months", "target_percent"),
            "prioritised_contacts_3_months",
            "K3",
        ),
        GoalSpec(GoalKind.SELF_RATING_IMPROVED, ("target_percent",), "self_rating_improved", "K4"),
        GoalSpec(
            GoalKind.CRISIS_PLAN_WITHIN_WINDOW,
            ("window_days", "target_percent"),
            "crisis_plan_within_8_weeks",
            "K5",
        ),
        GoalSpec(GoalKind.INTERN_SIP_OFFERED, ("target_percent",), "intern_sip_offered", "S1"),
    )
}
# The goals with a percentage, in the catalogue's order.
PERCENT_KINDS = [kind for kind, spec in CATALOGUE.items() if "target_percent" in spec.parameters]


def validate_parameters(kind: str, parameters: dict[str, int | None]) -> dict[str, int]:
    """The parameters ``kind`` takes, checked: every one it needs is given and within its
    bounds, and none it does not take is given. Returns them; raises ``ValidationError``
    keyed by parameter with a message naming the bounds."""
    spec = CATALOGUE.get(kind)
    if spec is None:
        raise ValidationError(
            {
                "kind": _("'%(kind)s' is not a goal kind: use one of %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(CATALOGUE)}
            }
        )
    errors: dict[str, str] = {}
    checked: dict[str, int] = {}
    for name in PARAMETER_BOUNDS:
        value = parameters.get(name)
        if name not in spec.parameters:
            if value is not None:
                errors[name] = _("A goal of this kind has no %(parameter)s.") % {
                    "parameter": PARAMETER_LABELS[name]
                }
            continue
        low, high = PARAMETER_BOUNDS[name]
        if value is None:
            errors[name] = _("A goal of this kind needs a %(parameter)s.") % {
                "parameter": PARAMETER_LABELS[name]
            }
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = _(
                "The %(parameter)s must be a whole number from %(low)d to %(high)d, not %(value)s."
            ) % {"parameter": PARAMETER_LABELS[name], "low": low, "high": high, "value": value}
        else:
            checked[name] = value
    if errors:
        raise ValidationError(errors)
    return checked
