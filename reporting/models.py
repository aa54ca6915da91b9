"""The steering group's PDFs (quarterly, annual, final or any period), rendered by a task.

A report holds aggregate figures only; its row names a period, never a person.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cm_portal.models import Organisation
from cm_portal.pdf import RenderedPdf, one_pending_per
from programmes.models import Programme


def report_upload_to(instance: SteeringReport, filename: str) -> str:
    """A random name: the stored file says nothing about what is in it."""
    return str(PurePosixPath("steering-reports") / f"{uuid.uuid4().hex}.pdf")


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly report")
    ANNUAL = "annual", _("Annual report")
    FINAL = "final", _("Final report")
    CUSTOM = "custom", _("Report for chosen dates")


class SteeringReport(RenderedPdf):
    # Not a field: steering_report_request says whether it queued this one (for the view).
    newly_requested: bool

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    # The programme reported on: only its members see the report.
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    period_label = models.CharField(_("period"), max_length=100)
    # Null for the reports the beat task produces by itself.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Null: both organisations together (the only kind produced so far).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    file = models.FileField(upload_to=report_upload_to, blank=True, max_length=200)
    # When the members were e-mailed about it (automatic reports), claimed once.
    notified_at = models.DateTimeField(_("steering group notified"), null=True, blank=True)
    # When the administrators were told that it failed (automatic reports), claimed once.
    failure_reported_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("steering-group report")
        verbose_name_plural = _("steering-group reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="steering_report_period_in_order",
            ),
            # Asking twice for a period while one is queued or rendering gives that one.
            one_pending_per(
                "programme",
                "kind",
                "period_start",
                "period_end",
                name="steering_report_one_pending_per_programme_period",
            ),
            # The cadence (reporting.cadence): one automatic report per programme, kind and
            # period, ever, whatever runs the beat task or how often.
            models.UniqueConstraint(
                fields=["programme", "kind", "period_start", "period_end"],
                condition=models.Q(requested_by__isnull=True),
                name="steering_report_one_automatic_per_programme_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start}..{self.period_end} {self.status}"

    @property
    def is_automatic(self) -> bool:
        """Produced by the cadence (the beat task), not asked for by anyone."""
        return self.requested_by_id is None

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.period_start.isoformat()}-{self.period_end.isoformat()}.pdf"


class FrozenFigures(models.Model):
    """A finished period's figures, computed before retention deleted a case they count.

    ``reporting.kpis`` returns these instead of computing anew, so a report on a past
    period says the same after the deletion as before (security.md line 21). Raw figures,
    like ``compute_kpis`` gives them: disclosure control is applied on the way out, as
    for live ones. Counts only: nothing here names a person.
    """

    period_start = models.DateField()
    period_end = models.DateField()
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    # Null: both organisations together.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    figures = models.JSONField()
    frozen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period_start", "period_end", "organisation"],
                name="frozen_figures_one_per_programme_scope",
            ),
            models.UniqueConstraint(
                fields=["programme", "period_start", "period_end"],
                condition=models.Q(organisation__isnull=True),
                name="frozen_figures_one_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"figures {self.period_start}..{self.period_end} ({self.organisation_id or 'all'})"
