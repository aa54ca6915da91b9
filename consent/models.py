"""Consents (samtycke): who information about a participant may be shared with, and why."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cm_portal.models import Organisation
from cm_portal.pdf import RenderedPdf, one_pending_per
from participants.models import Participant

ADULT_AGE = 18


def scan_upload_to(instance: Consent, filename: str) -> str:
    """A random name: the uploaded file's name may itself be personal data."""
    return str(PurePosixPath("consent-scans") / uuid.uuid4().hex)


class SignedBy(models.TextChoices):
    PARTICIPANT = "participant", _("The participant")
    GUARDIAN = "guardian", _("Guardian")


class ConsentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class Consent(models.Model):
    """A signed consent. Never overwritten: a withdrawal is recorded beside the original."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    purpose = models.TextField(_("purpose"), max_length=2000)
    # The research purpose: the participant agrees to their pseudonymised data being used by
    # the research institution named in the programme's data-sharing agreement (research.*).
    # Expires and is withdrawn like any consent; only one valid on an export's date counts.
    research = models.BooleanField(
        _("research"),
        default=False,
        help_text=_(
            "The participant agrees to their pseudonymised data being used by the named "
            "research institution for the follow-up research."
        ),
    )
    signed_on = models.DateField(_("signed on"))
    signed_by = models.CharField(_("signed by"), max_length=12, choices=SignedBy.choices)
    guardian_name = models.CharField(_("guardian's name"), max_length=100, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    scan = models.FileField(_("scan"), upload_to=scan_upload_to, blank=True, max_length=200)
    scan_content_type = models.CharField(max_length=50, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by_whom = models.CharField(
        _("withdrawn by"), max_length=12, choices=SignedBy.choices, blank=True
    )
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    withdrawal_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["participant", "signed_on"], name="consent_part_signed_idx")
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.signed_on}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.signed_on and self.signed_on > today:
            errors["signed_on"] = _("The signing date cannot be in the future.")
        if self.signed_on and self.valid_until and self.valid_until < self.signed_on:
            errors["valid_until"] = _("A consent cannot end before it was signed.")
        if (
            self.signed_on
            and self.participant_id
            and self.participant.age_on(self.signed_on) < ADULT_AGE
        ):
            if self.signed_by != SignedBy.GUARDIAN:
                errors["signed_by"] = _("The participant was under 18: a guardian must sign.")
            elif not self.guardian_name.strip():
                errors["guardian_name"] = _("Give the guardian's name.")
        if self.signed_by == SignedBy.GUARDIAN and not self.guardian_name.strip():
            errors.setdefault("guardian_name", _("Give the guardian's name."))
        if self.withdrawn_on:
            if self.withdrawn_on > today:
                errors["withdrawn_on"] = _("The withdrawal date cannot be in the future.")
            elif self.signed_on and self.withdrawn_on < self.signed_on:
                errors["withdrawn_on"] = _("A consent cannot be withdrawn before it was signed.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    @classmethod
    def valid_on(cls, day: date) -> models.Q:
        """The consents valid on ``day``: signed by then, not withdrawn, not expired (as
        ``status_on``: a withdrawal ends the consent whatever its date)."""
        return models.Q(signed_on__lte=day, withdrawn_on__isnull=True) & (
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )

    def status_on(self, day: date) -> ConsentStatus:
        if self.withdrawn_on is not None:
            return ConsentStatus.WITHDRAWN
        if self.valid_until is not None and self.valid_until < day:
            return ConsentStatus.EXPIRED
        return ConsentStatus.VALID

    @property
    def status(self) -> ConsentStatus:
        return self.status_on(timezone.localdate())


class ConsentParty(models.Model):
    """Whom information may be shared with: one of our organisations or a named outside actor."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    external_name = models.CharField(_("outside actor"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("consent party")
        verbose_name_plural = _("consent parties")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(organisation__isnull=False, external_name="")
                    | (models.Q(organisation__isnull=True) & ~models.Q(external_name=""))
                ),
                name="consent_party_org_or_external",
            )
        ]

    def __str__(self) -> str:
        return self.organisation.name if self.organisation_id else self.external_name

    def clean(self) -> None:
        if bool(self.organisation_id) == bool(self.external_name.strip()):
            raise ValidationError(_("A party is either an organisation or a named outside actor."))


def export_upload_to(instance: ParticipantExport, filename: str) -> str:
    """A random name: nothing about the participant is in the stored file's name."""
    return str(PurePosixPath("participant-exports") / f"{uuid.uuid4().hex}.pdf")


class ParticipantExport(RenderedPdf):
    """Everything stored about a participant as a PDF, rendered by a task (right of access)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=export_upload_to, blank=True, max_length=200)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("participant export")
        verbose_name_plural = _("participant exports")
        constraints = [
            # Asking again while one is queued or rendering gives that one.
            one_pending_per("participant", name="participant_export_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.status}"
