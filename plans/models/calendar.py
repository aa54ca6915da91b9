"""A case worker's personal calendar feed: a secret link their own calendar subscribes to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    """The secret behind one person's ``.ics`` link (security.md: the calendar feed).

    A calendar program cannot log in, so the link is the key. Only a SHA-256 digest of the
    secret is stored, and it is compared in constant time; the link is shown once, when made.
    Making a new link or revoking the old one sets ``revoked_at``: that link answers 404 from
    then on. Every use is written to the access log.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("account"),
    )
    secret_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            # At most one working link a person: a new one revokes the old.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"calendar feed {self.pk} of {self.user_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
