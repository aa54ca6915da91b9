"""Deadlines (tidsfrister) and the reminders sent about them (docs/kpis.md, "Deadlines").

Deadlines are derived data: ``plans.services.deadlines`` computes them from the case and
rewrites them whenever what they depend on changes, and nightly for the passage of time.
A reminder row is written once per deadline, stage and person (a unique constraint), so a
task that runs twice, or a worker that dies midway, never reminds anyone twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.choices import ChoiceLabels
from participants.models import Participant


class DeadlineKind(models.TextChoices):
    PLAN = "plan", _("Individual plan")
    CRISIS_PLAN = "crisis_plan", _("Crisis and safety plan")
    THREE_MONTHS = "three_months", _("Prioritised contacts at 3 months")
    BASELINE_RATING = "baseline_rating", _("Baseline self-rating")
    CONSENT_RENEWAL = "consent_renewal", _("Consent renewal")
    MEETING_INVITATION = "meeting_invitation", _("Meeting invitation")
    MEETING_ASKED_FOR = "meeting_asked_for", _("Intern-SIP asked for")
    MEETING_FOLLOW_UP = "meeting_follow_up", _("Follow-up meeting")


class DeadlineState(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    OVERDUE = "overdue", _("Overdue")
    VOID = "void", _("Void")


class Deadline(ChoiceLabels, models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("kind"), max_length=20, choices=DeadlineKind.choices)
    # The consent or meeting a deadline is about; 0 for the participant's own deadlines.
    subject_id = models.PositiveBigIntegerField(default=0)
    window_opens = models.DateField(_("window opens"))
    due_on = models.DateField(_("due"))
    state = models.CharField(_("state"), max_length=10, choices=DeadlineState.choices)
    met_on = models.DateField(_("met on"), null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "kind", "subject_id"], name="deadline_one_per_subject"
            )
        ]
        indexes = [models.Index(fields=["state", "due_on"], name="deadline_state_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_on} ({self.state})"


class ReminderStage(models.TextChoices):
    WINDOW_OPENED = "window_opened", _("The window has opened")
    SEVEN_DAYS_BEFORE = "seven_days_before", _("7 days left")
    FIRST_DAY_OVERDUE = "first_day_overdue", _("Overdue")


class Reminder(models.Model):
    """One reminder to one person; shown in the portal, and e-mailed without personal data."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(_("stage"), max_length=20, choices=ReminderStage.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "stage", "recipient"], name="reminder_once_per_stage"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="reminder_unread_idx"),
            models.Index(fields=["emailed_at"], name="reminder_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} of deadline {self.deadline_id} to {self.recipient_id}"
