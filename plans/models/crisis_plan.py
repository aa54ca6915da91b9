"""The crisis and safety plan (trygghets- och krisplan) and its chain of responsibility.

The section names are our own wording, not those of any published safety-plan form.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

from .versioned import VersionedPlan


class CrisisPlan(VersionedPlan):
    """One a participant; ``version`` is the optimistic lock, as on the individual plan."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="crisis_plan"
    )
    warning_signs = models.TextField(_("signs that things are getting worse"), blank=True)
    own_strategies = models.TextField(_("what I can do myself"), blank=True)
    people_to_contact = models.TextField(_("people close to me I can contact"), blank=True)
    professional_contacts = models.TextField(_("professional contacts"), blank=True)

    class Meta:
        verbose_name = _("crisis and safety plan")
        verbose_name_plural = _("crisis and safety plans")

    def __str__(self) -> str:
        return f"crisis plan of {self.participant_id}"


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
