"""Writes from the case workers' start page: marking one's own reminders as read."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cm_portal.models import User

from ..models import Reminder


def reminders_mark_read(
    *, recipient: User, pk: int | None = None, now: datetime | None = None
) -> int:
    """Mark the recipient's unread reminders (or the one with ``pk``) as read; returns how many.

    Only the recipient's own rows are touched: another person's ``pk`` matches nothing. A
    conditional UPDATE, so a double click or two tabs never move ``read_at`` once it is set.
    Reading a reminder changes no case data, so no access-log row is written.
    """
    reminders = Reminder.objects.filter(recipient=recipient, read_at__isnull=True)
    if pk is not None:
        reminders = reminders.filter(pk=pk)
    with transaction.atomic():
        return reminders.update(read_at=now or timezone.now())
