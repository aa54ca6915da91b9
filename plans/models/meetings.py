"""Coordination meetings (samordningsmöte, Intern-SIP / SIP), after seed 004's routine:
need, consent, invitation ahead (the programme's days), chair and minute-taker, the agreed plan,
the lead unit, a follow-up date, and escalation to managers when no one takes responsibility.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

from .individual_plan import Goal

# A participant who asks for an Intern-SIP always gets one (seed 004, step 1): held within
# the programme's ``asked_for_hold_days`` of the request, a deadline with the usual reminders.
# A follow-up meeting's deadline opens the programme's ``follow_up_window_days`` before it.
# Under this age a guardian consents too (seed 004, step 2).
GUARDIAN_AGE = 18


class OfferAnswer(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ASKED_FOR = "asked_for", _("Asked for by the participant")


class MeetingOffer(models.Model):
    """Steps 1 and 2 of the routine: an Intern-SIP offered (or asked for) and the answer.

    Recorded whatever the answer, and without a consent: the statistics file counts declined
    offers too, and a request from the participant opens a deadline (a meeting must be held).
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="meeting_offers"
    )
    offered_on = models.DateField(_("offered on"))
    # The unit that discovered the need takes the initiative.
    unit = models.CharField(_("offered by the unit"), max_length=200)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("offered by"),
    )
    answer = models.CharField(_("answer"), max_length=10, choices=OfferAnswer.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-offered_on", "-id"]
        verbose_name = _("Intern-SIP offer")
        verbose_name_plural = _("Intern-SIP offers")
        indexes = [models.Index(fields=["offered_on"], name="meeting_offer_date_idx")]

    def __str__(self) -> str:
        return f"{self.answer} {self.offered_on}"


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
    # Step 3, the preparation: when and where (or a video link), and what to discuss.
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), max_length=500, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    # Step 2 for a participant under 18: the guardians consent as well.
    guardian_consented = models.BooleanField(_("the guardians consent"), default=False)
    # A follow-up meeting names the meeting that decided it (its deadline is met when held).
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    invitation_sent_on = models.DateField(_("invitation sent on"), null=True, blank=True)
    # The calendar entry's SEQUENCE: one higher each time a changed time or place is
    # e-mailed again, so that calendars replace the entry instead of adding a second.
    invitation_sequence = models.PositiveSmallIntegerField(default=0, editable=False)
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
        """Sent, but later than the programme's days before the meeting (allowed, flagged
        and counted)."""
        if self.invitation_sent_on is None:
            return False
        days_ahead = self.participant.programme.invitation_days_ahead
        return (self.meeting_on - self.invitation_sent_on).days < days_ahead

    @property
    def where(self) -> str:
        """The place, or the video link when there is no place."""
        return self.place or self.video_link


class MeetingInvitee(models.Model):
    """An invited unit or person: the professional network (a unit of the participant's own
    organisation, or a named member of the portal's staff, who is e-mailed the invitation),
    or the private network and outside parties, each of whom must be covered by a valid
    consent."""

    meeting = models.ForeignKey(
        CoordinationMeeting, on_delete=models.CASCADE, related_name="invitees"
    )
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("unit or person"), max_length=200)
    outside = models.BooleanField(_("outside the organisation"), default=False)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("member of staff"),
    )
    # Step 4: who came (True), who did not (False); None until the minutes say.
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    # The invitation e-mail went to this member of staff (claimed once, never twice).
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The calendar entry's SEQUENCE this member of staff was last e-mailed (null: never):
    # a later change is e-mailed to them as a change, to a newcomer as an invitation.
    emailed_sequence = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(staff__isnull=True) | models.Q(outside=False),
                name="meeting_invitee_staff_not_outside",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MeetingAction(models.Model):
    """An action agreed at the meeting: who does what by when, optionally for a goal of the
    individual plan (and then shown with that goal)."""

    meeting = models.ForeignKey(
        CoordinationMeeting, on_delete=models.CASCADE, related_name="actions"
    )
    position = models.PositiveSmallIntegerField(default=0)
    who = models.CharField(_("who"), max_length=200)
    what = models.TextField(_("what"), max_length=1000)
    due_on = models.DateField(_("by when"), null=True, blank=True)
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_actions",
        verbose_name=_("goal of the individual plan"),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")

    def __str__(self) -> str:
        return self.who
