"""Prioritised contacts (prioriterade kontakter) with healthcare, social services or others."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant


class ActorKind(models.TextChoices):
    HEALTHCARE = "healthcare", _("Healthcare")
    SOCIAL_SERVICES = "social_services", _("Social services")
    OTHER = "other", _("Other actor")


class PrioritisedContactStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class PrioritisedContact(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="prioritised_contacts"
    )
    actor_kind = models.CharField(_("kind of actor"), max_length=20, choices=ActorKind.choices)
    actor = models.CharField(_("actor"), max_length=200)
    planned_on = models.DateField(_("planned date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PrioritisedContactStatus.choices,
        default=PrioritisedContactStatus.PLANNED,
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name = _("prioritised contact")
        verbose_name_plural = _("prioritised contacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="completed", completed_on__isnull=False)
                | (~Q(status="completed") & Q(completed_on__isnull=True)),
                name="prioritised_contact_completed_on_iff_completed",
            )
        ]
        indexes = [
            models.Index(fields=["participant", "planned_on"], name="prio_participant_planned_idx")
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.planned_on}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        start = self.participant.intervention_start if self.participant_id else None
        if self.status == PrioritisedContactStatus.COMPLETED and self.completed_on is None:
            errors["completed_on"] = _("Give the date the contact was completed.")
        elif self.status != PrioritisedContactStatus.COMPLETED and self.completed_on:
            errors["completed_on"] = _(
                "Only a completed contact has a completion date: clear the date, or set the "
                "status to completed."
            )
        elif self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = _("The completion date cannot be in the future.")
        elif self.completed_on and start and self.completed_on < start:
            errors["completed_on"] = _(
                "The completion date cannot be before the intervention started (%(start)s)."
            ) % {"start": start.isoformat()}
        if self.planned_on and start and self.planned_on < start:
            errors["planned_on"] = _(
                "The planned date cannot be before the intervention started (%(start)s)."
            ) % {"start": start.isoformat()}
        if errors:
            raise ValidationError(errors)
