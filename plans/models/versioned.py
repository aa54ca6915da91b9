"""What the individual plan and the crisis plan share: an establishment date and the
optimistic lock (``plans.services.versioning``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VersionedPlan(models.Model):
    """A plan revised in place; ``version`` is the optimistic lock: a save names the version
    it was loaded with and is refused when someone saved in between (security.md 27)."""

    # The date agreed with the participant; stays as first set when the plan is revised.
    established_on = models.DateField(_("established on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        abstract = True

    @property
    def is_established(self) -> bool:
        return self.established_on is not None
