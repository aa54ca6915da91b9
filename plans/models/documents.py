"""PDFs made from plans (the participant's own "Min plan", a meeting's invitation letter),
rendered by a task and downloaded once ready, as the participant export is."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cm_portal.pdf import RenderedPdf, one_pending_per
from participants.models import Participant

from .meetings import CoordinationMeeting


def document_upload_to(instance: PlanDocument, filename: str) -> str:
    """A random name: nothing about the participant is in the stored file's name."""
    return str(PurePosixPath("plan-documents") / f"{uuid.uuid4().hex}.pdf")


class DocumentKind(models.TextChoices):
    MY_PLAN = "my_plan", _("My plan")
    INVITATION = "invitation", _("Invitation letter")
    MINUTES = "minutes", _("Intern-SIP form (minutes)")


class PlanDocument(RenderedPdf):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="plan_documents"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    meeting = models.ForeignKey(
        CoordinationMeeting,
        on_delete=models.CASCADE,
        related_name="documents",
        null=True,
        blank=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=document_upload_to, blank=True, max_length=200)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("plan document")
        verbose_name_plural = _("plan documents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["invitation", "minutes"], meeting__isnull=False)
                | models.Q(kind="my_plan", meeting__isnull=True),
                name="plan_document_meeting_iff_meeting_kind",
            ),
            # Asking again while one is queued or rendering gives that one: per meeting and
            # kind for a letter or the minutes, per participant for "Min plan" (no meeting).
            one_pending_per("meeting", "kind", name="plan_document_one_pending_per_meeting"),
            one_pending_per(
                "participant",
                "kind",
                name="plan_document_one_pending_my_plan",
                where=models.Q(meeting__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.participant_id} {self.status}"
