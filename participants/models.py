"""Participants, who may see them, what was done with them and every change to it."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cm_portal.choices import ChoiceLabels
from cm_portal.models import Organisation
from cm_portal.programmes.models import EntryPath, Programme

from .identity import birth_year_of, normalise_identity_number

# The intake data a case manager enters and may change: the intake and edit forms show
# these and the services accept these (one list, so a field is never in one but not the other).
PARTICIPANT_FIELDS = (
    "display_name",
    "personal_identity_number",
    "birth_year",
    "gender",
    "entry_path",
    "crisis_relevant",
    "intervention_start",
)
# What a logged contact holds, as the contact form shows and the services accept it.
CONTACT_FIELDS = ("date", "kind", "duration_minutes", "counterpart", "note")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary / other")
    NOT_STATED = "not_stated", _("Not stated")


class EndReason(models.TextChoices):
    """Why a case ended, coded so that endings can be counted by reason (reports, research).

    The free text ``Participant.end_reason`` may say more; it is never exported for research.
    """

    GOALS_MET = "goals_met", _("Goals met")
    MOVED = "moved", _("Moved away")
    DECLINED = "declined", _("Declined further support")
    TRANSFERRED = "transferred", _("Transferred to other support")
    NO_CONTACT = "no_contact", _("No contact")
    DIED = "died", _("Died")
    OTHER = "other", _("Other reason")


class Participant(ChoiceLabels, models.Model):
    """A young adult in the CM support, owned by the organisation that registered them."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="participants",
        verbose_name=_("organisation"),
    )
    # The programme the participant is enrolled in: its goals, deadlines and reports apply.
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="participants",
        verbose_name=_("programme"),
    )
    reference = models.CharField(_("reference"), max_length=20)
    display_name = models.CharField(
        _("name or pseudonym"),
        max_length=100,
        blank=True,
        help_text=_("Optional. A pseudonym is fine."),
    )
    # Stored as YYYYMMDD-XXXX; shown masked everywhere but the edit form.
    personal_identity_number = models.CharField(
        _("personal identity number"), max_length=13, blank=True
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices)
    entry_path = models.CharField(_("entry path"), max_length=20, choices=EntryPath.choices)
    crisis_relevant = models.BooleanField(
        _("needs a crisis plan"),
        default=False,
        help_text=_("Comorbidity or crisis level: a crisis and safety plan is expected."),
    )
    intervention_start = models.DateField(_("intervention started"))
    intervention_end = models.DateField(_("intervention ended"), null=True, blank=True)
    end_reason_code = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )
    # Optional detail beside the coded reason: free text, so never in reports or research data.
    end_reason = models.CharField(_("more about the reason"), max_length=200, blank=True)
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("A case on legal hold is kept past its retention period."),
    )
    # Moved forward by every write to the case (participants.retention.note_entry): the
    # retention period runs from here.
    last_entry_at = models.DateTimeField(_("last entry"), default=timezone.now)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["organisation", "reference"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"], name="participant_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(intervention_end__isnull=True)
                | Q(intervention_end__gte=models.F("intervention_start")),
                name="participant_end_not_before_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "intervention_end"], name="participant_org_open_idx"
            ),
            models.Index(fields=["personal_identity_number"], name="participant_pin_idx"),
            models.Index(
                fields=["last_entry_at"],
                condition=Q(intervention_end__isnull=False),
                name="participant_closed_entry_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.personal_identity_number:
            try:
                self.personal_identity_number = normalise_identity_number(
                    self.personal_identity_number, today=today
                )
            except ValidationError as error:
                errors["personal_identity_number"] = error.messages[0]
            else:
                if (
                    self.birth_year
                    and birth_year_of(self.personal_identity_number) != self.birth_year
                ):
                    errors["birth_year"] = _(
                        "The birth year does not match the personal identity number."
                    )
        if (
            self.programme_id is not None
            and self.entry_path
            and self.entry_path not in self.programme.entry_paths
        ):
            errors["entry_path"] = _("This programme has no such entry path.")
        if self.birth_year and not 1900 <= self.birth_year <= today.year:
            errors["birth_year"] = _("Enter a birth year between 1900 and this year.")
        if self.intervention_start and self.intervention_start > today:
            errors["intervention_start"] = _("The start date cannot be in the future.")
        elif (
            self.intervention_start
            and self.birth_year
            and self.intervention_start.year < self.birth_year
        ):
            errors["intervention_start"] = _("The start date is before the birth year.")
        if self.intervention_end:
            if self.intervention_end > today:
                errors["intervention_end"] = _("The end date cannot be in the future.")
            elif self.intervention_start and self.intervention_end < self.intervention_start:
                errors["intervention_end"] = _("The end date cannot be before the start date.")
            if not self.end_reason_code:
                errors["end_reason_code"] = _("Choose the reason for ending.")
        elif self.end_reason_code or self.end_reason:
            field = "end_reason_code" if self.end_reason_code else "end_reason"
            errors[field] = _("A reason for ending needs an end date.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.intervention_end is None

    @property
    def masked_identity_number(self) -> str:
        """20031117-•••• : the date part only."""
        if not self.personal_identity_number:
            return ""
        return self.personal_identity_number[:8] + "-••••"

    def age_on(self, day: date) -> int:
        """Age in whole years as far as the birth year tells (the birthday is not kept)."""
        return day.year - self.birth_year


class ParticipantUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key permission rows (guardian's advice): who is assigned to whom."""

    content_object = models.ForeignKey(Participant, on_delete=models.CASCADE)


class ParticipantGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Participant, on_delete=models.CASCADE)


class SharingGrant(models.Model):
    """Staff of ``organisation`` may see the participant while this grant is valid.

    Written only by the consent services (through ``services.sharing_grant_*``): the
    consent behind it is named by id, so this app never imports ``consent``.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="sharing_grants"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    consent_id = models.PositiveBigIntegerField()
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consent_id", "organisation"], name="sharing_grant_one_per_party"
            )
        ]
        indexes = [models.Index(fields=["organisation", "participant"], name="grant_org_idx")]

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.organisation_id} (consent {self.consent_id})"

    @staticmethod
    def valid_on(day: date) -> Q:
        return (
            Q(revoked_at__isnull=True)
            & Q(valid_from__lte=day)
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        )


class ContactKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PHONE = "phone", _("Phone")
    DIGITAL = "digital", _("Digital")
    ACCOMPANIED_VISIT = "accompanied_visit", _("Accompanied visit")
    OTHER = "other", _("Other")


class Contact(ChoiceLabels, models.Model):
    """An individual contact (individkontakt) logged by a case manager."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="contacts")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    counterpart = models.CharField(_("with whom"), max_length=100, blank=True)
    note = models.TextField(_("short note"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["participant", "date"], name="contact_participant_date_idx"),
            models.Index(fields=["date"], name="contact_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        errors = {}
        if self.date and self.date > timezone.localdate():
            errors["date"] = _("A contact cannot be dated in the future.")
        elif self.date and self.participant_id and self.date < self.participant.intervention_start:
            errors["date"] = _("The contact is dated before the intervention started.")
        if self.duration_minutes is not None and not 1 <= self.duration_minutes <= 24 * 60:
            errors["duration_minutes"] = _("Give the duration in minutes, 1 to 1440.")
        if errors:
            raise ValidationError(errors)


class CaseChange(models.Model):
    """Who changed which field of case data, when, from what to what (GDPR art. 16).

    Deleted with the participant (retention), unlike the access log.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="changes")
    object_type = models.CharField(max_length=50)
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=50)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="case_change_object_idx")]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id}.{self.field}"


class ActivityKind(models.TextChoices):
    OUTREACH = "outreach", _("Outreach work")
    INFORMATION_SESSION = "information_session", _("Information session")
    DROP_IN = "drop_in", _("Drop-in")


class ActivityRecord(models.Model):
    """Activity that is not about one participant: no names, only counts."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # The programme whose activity this is (its figures are reported per programme).
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    first_time_visitors = models.PositiveIntegerField(_("first-time visitors"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_time_visitors__lte=models.F("people_reached")),
                name="activity_first_time_within_reached",
            )
        ]
        indexes = [models.Index(fields=["date", "kind"], name="activity_date_kind_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        errors = {}
        if self.date and self.date > timezone.localdate():
            errors["date"] = _("An activity cannot be dated in the future.")
        if self.duration_minutes is not None and not 1 <= self.duration_minutes <= 24 * 60:
            errors["duration_minutes"] = _("Give the duration in minutes, 1 to 1440.")
        if (
            self.people_reached is not None
            and self.first_time_visitors is not None
            and self.first_time_visitors > self.people_reached
        ):
            errors["first_time_visitors"] = _(
                "First-time visitors cannot be more than the people reached."
            )
        if errors:
            raise ValidationError(errors)


class RetentionNotice(models.Model):
    """The week's e-mail to the administrators about the cases retention is about to
    delete: one a week (the unique week claims it), with counts only."""

    week_of = models.DateField(unique=True)  # the Monday of the week
    sent_at = models.DateTimeField(default=timezone.now)
    cases = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"retention notice {self.week_of}"
