"""Self-ratings (självskattning): UCLA-3 loneliness and social participation.

UCLA items: 1 hardly ever, 2 some of the time, 3 often (sum 3 to 9, higher is lonelier);
participation: one item 1 to 5, higher is more participation (docs/domain.md, step 7).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant

UCLA_RANGE = (1, 3)
PARTICIPATION_RANGE = (1, 5)


def _ucla_item(label):
    return models.PositiveSmallIntegerField(
        label,
        validators=[MinValueValidator(UCLA_RANGE[0]), MaxValueValidator(UCLA_RANGE[1])],
    )


class RatingPhase(models.TextChoices):
    BASELINE = "baseline", _("Before (baseline)")
    FOLLOW_UP = "follow_up", _("After (follow-up)")


class RatingSource(models.TextChoices):
    STAFF = "staff", _("Entered by the case manager")
    PARTICIPANT = "participant", _("Filled in by the participant")


class SelfRating(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="self_ratings"
    )
    phase = models.CharField(_("phase"), max_length=10, choices=RatingPhase.choices)
    rated_on = models.DateField(_("rated on"))
    ucla_1 = _ucla_item(_("How often do you feel that you lack companionship?"))
    ucla_2 = _ucla_item(_("How often do you feel left out?"))
    ucla_3 = _ucla_item(_("How often do you feel isolated from others?"))
    participation = models.PositiveSmallIntegerField(
        _("participation"),
        validators=[
            MinValueValidator(PARTICIPATION_RANGE[0]),
            MaxValueValidator(PARTICIPATION_RANGE[1]),
        ],
    )
    source = models.CharField(
        max_length=12, choices=RatingSource.choices, default=RatingSource.STAFF
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rated_on", "id"]
        verbose_name = _("self-rating")
        verbose_name_plural = _("self-ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ucla_1__gte=1, ucla_1__lte=3)
                & Q(ucla_2__gte=1, ucla_2__lte=3)
                & Q(ucla_3__gte=1, ucla_3__lte=3)
                & Q(participation__gte=1, participation__lte=5),
                name="self_rating_scores_in_range",
            )
        ]
        indexes = [models.Index(fields=["participant", "phase"], name="rating_participant_idx")]

    def __str__(self) -> str:
        return f"{self.phase} {self.rated_on}"

    @property
    def ucla_sum(self) -> int:
        return self.ucla_1 + self.ucla_2 + self.ucla_3


class SelfRatingLink(models.Model):
    """A single-use link the participant opens on their own phone, without logging in.

    Only a SHA-256 digest of the token is stored: the link itself is shown once, to the
    case manager who hands it over.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="self_rating_links"
    )
    phase = models.CharField(_("phase"), max_length=10, choices=RatingPhase.choices)
    token_digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    rating = models.OneToOneField(
        SelfRating, on_delete=models.SET_NULL, null=True, blank=True, related_name="link"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"self-rating link {self.pk} of {self.participant_id}"

    def usable_at(self, moment) -> bool:
        return self.used_at is None and moment < self.expires_at
