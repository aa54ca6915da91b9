"""Coordination meetings (samordningsmöte, Intern-SIP / SIP), after seed 004's routine:
need, consent, invitation at least 14 days ahead, chair and minute-taker, the agreed plan,
the lead unit, a follow-up date, and escalation to managers when no one takes responsibility.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

INVITATION_DAYS_AHEAD = 14


class MeetingKind(models.TextChoices):
    INTERN_SIP = "intern_sip", _("Intern-SIP")
    SIP = "sip", _("SIP")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class CoordinationMeeting(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="coordination_meetings"
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=MeetingKind.choices, default=MeetingKind.INTERN_SIP
    )
    need = models.TextField(_("need for coordination"), blank=True)
    # Routine step 2: the participant has agreed to the meeting being held.
    participant_agreed = models.BooleanField(_("the participant agrees"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    meeting_on = models.DateField(_("meeting date"))
    invitation_sent_on = models.DateField(_("invitation sent on"), null=True, blank=True)
    chair = models.CharField(_("chair"), max_length=100, blank=True)
    minute_taker = models.CharField(_("minute-taker"), max_length=100, blank=True)
    minutes = models.TextField(_("agreed plan (minutes)"), blank=True)
    lead_unit = models.CharField(_("lead unit"), max_length=200, blank=True)
    follow_up_on = models.DateField(_("follow-up meeting"), null=True, blank=True)
    # Routine step 5: no decision on responsibility; with the participant's consent the
    # question goes to the managers.
    escalated_on = models.DateField(_("escalated to managers on"), null=True, blank=True)
    # Whom the question went to, so that someone can follow it up.
    escalated_to = models.CharField(_("escalated to"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-meeting_on", "-id"]
        verbose_name = _("coordination meeting")
        verbose_name_plural = _("coordination meetings")
        indexes = [
            models.Index(fields=["participant", "meeting_on"], name="meeting_participant_idx"),
            models.Index(fields=["status", "meeting_on"], name="meeting_status_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.meeting_on}"

    @property
    def invited_late(self) -> bool:
        """Sent, but less than 14 days before the meeting (allowed, flagged and counted)."""
        if self.invitation_sent_on is None:
            return False
        return (self.meeting_on - self.invitation_sent_on).days < INVITATION_DAYS_AHEAD


class MeetingInvitee(models.Model):
    """An invited unit or person: a unit of the participant's own organisation, or an
    outside party, who must be covered by a valid consent."""

    meeting = models.ForeignKey(
        CoordinationMeeting, on_delete=models.CASCADE, related_name="invitees"
    )
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("unit or person"), max_length=200)
    outside = models.BooleanField(_("outside the organisation"), default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name
