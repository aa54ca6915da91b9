"""Prioritised contacts (prioriterade kontakter) with healthcare, social services or others."""

from __future__ import annotations

from django.conf import settings
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
