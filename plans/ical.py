"""The personal calendar feed as iCalendar (RFC 5545), built with the ``icalendar`` library.

Only what a calendar shared with colleagues, a phone's lock screen or a calendar provider may
hold: the participant's reference, the kind of deadline or meeting, the day (and a meeting's
time once it has one) and a link into the portal. Never a name, an identity number, a place,
an agenda or an invitee.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .selectors.calendar import CalendarEntry

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# How long a meeting without an end time is shown as lasting.
DEFAULT_MEETING_LENGTH = timedelta(hours=1)


def _summary(entry: CalendarEntry) -> str:
    if entry.kind == "meeting":
        return _("%(reference)s: %(meeting)s meeting") % {
            "reference": entry.reference,
            "meeting": entry.title,
        }
    return _("%(reference)s: %(deadline)s due") % {
        "reference": entry.reference,
        "deadline": entry.title,
    }


def _event(entry: CalendarEntry, *, url: str, host: str, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{entry.uid}@{host}")
    event.add("dtstamp", stamp)
    event.add("summary", _summary(entry))
    if entry.starts_at is not None:
        start = datetime.combine(entry.day, entry.starts_at, tzinfo=STOCKHOLM)
        end = (
            datetime.combine(entry.day, entry.ends_at, tzinfo=STOCKHOLM)
            if entry.ends_at is not None and entry.ends_at > entry.starts_at
            else start + DEFAULT_MEETING_LENGTH
        )
        event.add("dtstart", start.astimezone(UTC))
        event.add("dtend", end.astimezone(UTC))
    else:
        # A whole day: DTEND is the day after (exclusive).
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    event.add("url", url)
    event.add("class", "CONFIDENTIAL")
    return event


def calendar_ics(
    entries: Iterable[CalendarEntry], *, url_of: Callable[[CalendarEntry], str]
) -> bytes:
    """The entries as one VCALENDAR, in the site's language; ``url_of`` gives each an
    absolute link into the portal."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "cm-portal"
    stamp = timezone.now().astimezone(UTC).replace(microsecond=0)
    with translation.override(settings.LANGUAGE_CODE):
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//CM portal//calendar feed//SV")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("CM portal: deadlines and meetings"))
        calendar.add("x-wr-timezone", "Europe/Stockholm")
        for entry in entries:
            calendar.add_component(_event(entry, url=url_of(entry), host=host, stamp=stamp))
    return calendar.to_ical()
