"""The individual plan (individuell plan): goals, sub-goals and contact paths."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

from .versioned import VersionedPlan


class IndividualPlan(VersionedPlan):
    """One plan a participant, revised in place; every saved version is kept as a revision."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="individual_plan"
    )

    class Meta:
        verbose_name = _("individual plan")
        verbose_name_plural = _("individual plans")

    def __str__(self) -> str:
        return f"plan of {self.participant_id}"


class Goal(models.Model):
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("goal"), max_length=300)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.title


class SubGoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class SubGoal(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="sub_goals")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("sub-goal"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=SubGoalStatus.choices, default=SubGoalStatus.OPEN
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("sub-goal")
        verbose_name_plural = _("sub-goals")

    def __str__(self) -> str:
        return self.title


class ContactPath(models.Model):
    """Who to turn to for what: actor, person, how to reach them, when."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="contact_paths")
    position = models.PositiveSmallIntegerField(default=0)
    actor = models.CharField(_("actor"), max_length=200)
    person = models.CharField(_("person"), max_length=100, blank=True)
    how = models.CharField(_("how to reach"), max_length=200)
    when = models.CharField(_("when"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("contact path")
        verbose_name_plural = _("contact paths")

    def __str__(self) -> str:
        return self.actor


class PlanRevision(models.Model):
    """A saved version of a plan or crisis plan, as the case file writes it (history)."""

    class Kind(models.TextChoices):
        INDIVIDUAL_PLAN = "individual_plan", _("Individual plan")
        CRISIS_PLAN = "crisis_plan", _("Crisis and safety plan")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="plan_revisions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField()
    content = models.JSONField()
    # What was done, in a word the history page translates ("saved", "established" …).
    action = models.CharField(max_length=30)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind", "version"], name="plan_revision_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} of {self.participant_id}"
