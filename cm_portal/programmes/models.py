"""Programmes (insats/projekt): what the follow-up is about, as data (docs/domain.md).

A programme has its dates (both days included), the organisations that take part, its phases
(months counted from its start), its target group (an age range), its entry paths, the
periods it reports by, the age bins of its breakdowns and its goals, picked from the fixed
catalogue of ``programmes.goals``. Every participant is enrolled in one programme; the KPIs,
deadlines, reports and exports read the participant's programme.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.models import Organisation

from .goals import CATALOGUE, PARAMETER_BOUNDS, GoalKind, validate_parameters


class EntryPath(models.TextChoices):
    """The catalogue of entry paths (väg in); a programme offers some of them at intake."""

    HELA_MANNISKAN = "hela_manniskan", _("Hela Människan's activities")
    OUTREACH = "outreach", _("Outreach work")
    DISTRICT_SUPPORT = "district_support", _("Existing support in the district")
    OTHER = "other", _("Other")


class ReportingPeriod(models.TextChoices):
    """The kinds of period a programme reports by (``reporting.periods``)."""

    PROJECT_QUARTER = "project_quarter", _("Project quarter")
    PROJECT_YEAR = "project_year", _("Project year")
    CALENDAR_QUARTER = "calendar_quarter", _("Calendar quarter")
    TERTIAL = "tertial", _("Tertial")
    YEAR = "year", _("Calendar year")
    MONTH = "month", _("Month")


def _whole_numbers(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Programme(models.Model):
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organisations = models.ManyToManyField(
        Organisation, related_name="programmes", verbose_name=_("organisations taking part")
    )
    start = models.DateField(_("first day"))
    end = models.DateField(
        _("last day"), help_text=_("Included: the programme runs to and including this day.")
    )
    age_min = models.PositiveSmallIntegerField(_("target group: lowest age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(
        _("target group: highest age"), null=True, blank=True
    )
    # [[low, high], ...], ascending and apart: the breakdown's age groups at start; everyone
    # else is "other".
    age_bins = models.JSONField(_("age groups of the breakdowns"), default=list, blank=True)
    entry_paths = models.JSONField(_("entry paths"), default=list)
    reporting_periods = models.JSONField(_("reporting periods"), default=list)
    # Days before a deadline its window opens, and the other fixed distances of the
    # deadline table (docs/kpis.md): data, so a programme may have its own.
    plan_window_opens_days = models.PositiveSmallIntegerField(
        _("the plan's window opens (days after the start)")
    )
    horizon_window_days = models.PositiveSmallIntegerField(
        _("the horizon's window opens (days before it)")
    )
    baseline_rating_days = models.PositiveSmallIntegerField(
        _("baseline self-rating due (days after the start)")
    )
    invitation_days_ahead = models.PositiveSmallIntegerField(
        _("meeting invitation (days before the meeting)")
    )
    # Added after the others: a default, so that a programme made from the values of
    # "Vägledning i Vardagslivet"'s migration (which has no such key) gets that programme's.
    follow_up_window_days = models.PositiveSmallIntegerField(
        _("a follow-up meeting's window opens (days before it)"), default=14
    )
    asked_for_hold_days = models.PositiveSmallIntegerField(
        _("an Intern-SIP the participant asked for is held within (days)"), default=30
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="programmes",
        blank=True,
        verbose_name=_("steering and project group members"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["start", "name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=models.F("end")), name="programme_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.start and self.end and self.start > self.end:
            errors["end"] = _("The last day is before the first day: give a later date.")
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            errors["age_max"] = _("The highest age is below the lowest age.")
        if bins_error := age_bins_error(self.age_bins):
            errors["age_bins"] = bins_error
        unknown = [p for p in self.entry_paths or [] if p not in EntryPath.values]
        if not self.entry_paths or unknown:
            errors["entry_paths"] = _("Choose at least one entry path of the catalogue.")
        unknown = [p for p in self.reporting_periods or [] if p not in ReportingPeriod.values]
        if unknown:
            errors["reporting_periods"] = _("Choose reporting periods of the list.")
        if errors:
            raise ValidationError(errors)

    def includes(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def goals_by_kind(self) -> dict[str, ProgrammeGoal]:
        return {goal.kind: goal for goal in self.goals.all()}

    def age_bin_labels(self) -> list[str]:
        return [f"{low}-{high}" for low, high in self.age_bins]


def age_bins_error(bins: Any) -> str | None:
    """Why ``bins`` is not a list of ascending, separate [low, high] ranges, or None."""
    if not isinstance(bins, list):
        return str(_("Give the age groups as a list of [lowest, highest] pairs."))
    previous_high = -1
    for pair in bins:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(_whole_numbers(v) for v in pair)
        ):
            return str(_("Give each age group as a pair of whole numbers: lowest and highest."))
        low, high = pair
        if not 0 <= low <= high <= 130:
            return str(_("An age group's lowest age must be at most its highest (0 to 130)."))
        if low <= previous_high:
            return str(_("The age groups must be in ascending order and must not overlap."))
        previous_high = high
    return None


class ProgrammePhase(models.Model):
    """A phase of the programme: months ``first_month`` to ``last_month`` counted from its
    start (month 1 is the month it starts in)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="phases")
    key = models.SlugField(_("short name"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    first_month = models.PositiveSmallIntegerField(_("first month"))
    last_month = models.PositiveSmallIntegerField(_("last month"))

    class Meta:
        ordering = ["programme", "first_month"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["programme", "key"], name="phase_key_unique"),
            models.CheckConstraint(
                condition=Q(first_month__gte=1) & Q(first_month__lte=models.F("last_month")),
                name="phase_months_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.first_month is not None
            and self.last_month is not None
            and not 1 <= self.first_month <= self.last_month
        ):
            raise ValidationError(
                {"last_month": _("A phase's first month is 1 or later and not after its last.")}
            )


class ProgrammeGoal(models.Model):
    """One goal of a programme: a kind of the catalogue with its parameters. Each change is
    kept as a ``ProgrammeGoalChange`` (who and when); ``version`` counts them."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(_("kind of goal"), max_length=40, choices=GoalKind.choices)
    target = models.PositiveIntegerField(_("target (participants)"), null=True, blank=True)
    target_percent = models.PositiveSmallIntegerField(_("target (percent)"), null=True, blank=True)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), null=True, blank=True)
    horizon_months = models.PositiveSmallIntegerField(_("horizon (months)"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["programme", "kind"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.UniqueConstraint(fields=["programme", "kind"], name="programme_goal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.kind}"

    @property
    def parameters(self) -> dict[str, int]:
        return {
            name: getattr(self, name)
            for name in PARAMETER_BOUNDS
            if getattr(self, name) is not None
        }

    @property
    def spec(self):
        return CATALOGUE[self.kind]

    def clean(self) -> None:
        validate_parameters(self.kind, {name: getattr(self, name) for name in PARAMETER_BOUNDS})

    def definition(self) -> dict[str, Any]:
        """What a report names: the kind, its parameters, and which version of them."""
        return {
            "kind": self.kind,
            "version": self.version,
            "parameters": self.parameters,
            "since": timezone.localtime(self.updated_at).date().isoformat(),
        }


class ProgrammeGoalChange(models.Model):
    """A goal as it was set (or removed) at one time, by whom: the history reports cite."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="goal_changes")
    kind = models.CharField(max_length=40, choices=GoalKind.choices)
    version = models.PositiveIntegerField()
    parameters = models.JSONField(default=dict)
    removed = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["programme", "kind", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "kind", "version"], name="goal_change_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"
