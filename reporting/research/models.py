"""Research data: the data-sharing agreements and the exports made under them.

An agreement (avtal om datadelning) is recorded by an administrator: the research
institution, the named researchers (accounts with the researcher role), the purpose, the
ethical review's approval reference, the expiry and k. Its pseudonym secret is kept
encrypted (``research.pseudonyms``) and never shown. An export is a file rendered by the
worker through the one rendered-file kit (``cm_portal.pdf``) and downloaded by a named
researcher while the agreement is valid.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.pdf import RenderedPdf, one_pending_per
from cm_portal.programmes.models import Programme

from .anonymity import DEFAULT_K, MIN_K


class ResearchAgreement(models.Model):
    """A data-sharing agreement with a research institution about one programme: its
    exports hold the programme's participants who consented to research."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="research_agreements",
        verbose_name=_("programme"),
    )
    institution = models.CharField(_("research institution"), max_length=200)
    researchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="research_agreements",
        verbose_name=_("named researchers"),
    )
    purpose = models.TextField(_("purpose"), max_length=2000)
    approval_reference = models.CharField(
        _("approval reference"),
        max_length=100,
        help_text=_("The ethical review's reference number."),
    )
    expires_on = models.DateField(_("expires on"))
    k = models.PositiveSmallIntegerField(
        _("k (smallest group)"),
        default=DEFAULT_K,
        validators=[MinValueValidator(MIN_K)],
        help_text=_("Every combination of the indirect identifiers occurs at least k times."),
    )
    # Fernet token of the pseudonym key (research.pseudonyms.seal): no form, page, admin or
    # log shows it, and a database dump alone does not reveal it.
    secret_sealed = models.TextField(editable=False)
    # Null when recorded by ``manage.py create_research_agreement``.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(k__gte=MIN_K), name="research_agreement_k_at_least_3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} ({self.approval_reference}), {self.programme_id}"

    def clean(self) -> None:
        if self.k is not None and self.k < MIN_K:
            raise ValidationError({"k": _("k must be at least %(k)s.") % {"k": MIN_K}})

    def is_valid_on(self, day: date) -> bool:
        return day <= self.expires_on

    @property
    def is_valid(self) -> bool:
        return self.is_valid_on(timezone.localdate())


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV with codebook")
    SAV = "sav", _("SPSS (.sav)")
    DTA = "dta", _("Stata (.dta)")


def export_upload_to(instance: ResearchExport, filename: str) -> str:
    """A random name: the stored file says nothing about what is in it."""
    return str(PurePosixPath("research-exports") / f"{uuid.uuid4().hex}.zip")


class ResearchExport(RenderedPdf):
    """One export under an agreement: a ZIP of the data file and its codebook."""

    agreement = models.ForeignKey(
        ResearchAgreement, on_delete=models.PROTECT, related_name="exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    format = models.CharField(_("format"), max_length=3, choices=ExportFormat.choices)
    file = models.FileField(upload_to=export_upload_to, blank=True, max_length=200)
    # Set when rendered: the export's date (whose consents count) and what k-anonymity did.
    export_date = models.DateField(_("export date"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    k = models.PositiveSmallIntegerField(_("k"), null=True, blank=True)
    generalised = models.PositiveIntegerField(_("rows generalised"), null=True, blank=True)
    dropped = models.PositiveIntegerField(_("rows dropped"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")
        constraints = [
            # Asking again while one is queued or rendering gives that one.
            one_pending_per("agreement", "format", name="research_export_one_pending"),
        ]

    def __str__(self) -> str:
        return f"research export {self.pk} ({self.format}, {self.status})"

    @property
    def filename(self) -> str:
        day = (self.export_date or timezone.localdate()).isoformat()
        return f"research-{self.agreement_id}-{self.format}-{day}.zip"
