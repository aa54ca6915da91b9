"""The crisis and safety plan (trygghets- och krisplan) and its chain of responsibility.

The section names are our own wording, not those of any published safety-plan form.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant


class CrisisPlan(models.Model):
    """One a participant; ``version`` is the optimistic lock, as on the individual plan."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="crisis_plan"
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    warning_signs = models.TextField(_("signs that things are getting worse"), blank=True)
    own_strategies = models.TextField(_("what I can do myself"), blank=True)
    people_to_contact = models.TextField(_("people close to me I can contact"), blank=True)
    professional_contacts = models.TextField(_("professional contacts"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("crisis and safety plan")
        verbose_name_plural = _("crisis and safety plans")

    def __str__(self) -> str:
        return f"crisis plan of {self.participant_id}"

    @property
    def is_established(self) -> bool:
        return self.established_on is not None


class ResponsibilityLink(models.Model):
    """One link of the chain of responsibility (ansvarskedja): who acts, how, when."""

    crisis_plan = models.ForeignKey(CrisisPlan, on_delete=models.CASCADE, related_name="chain")
    order = models.PositiveSmallIntegerField(_("order"))
    who = models.CharField(_("who"), max_length=200)
    how_to_reach = models.CharField(_("how to reach"), max_length=200)
    when = models.CharField(_("when"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("link in the chain of responsibility")
        verbose_name_plural = _("chain of responsibility")
        constraints = [
            models.UniqueConstraint(fields=["crisis_plan", "order"], name="chain_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.who}"
