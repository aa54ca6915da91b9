"""Step 3 of the Intern-SIP routine: the invitation e-mailed to the invited staff, with an
``.ics`` calendar attachment, no later than two weeks before the meeting.

The e-mail and the ``.ics`` leave the portal, so they carry the time, the place (or video
link) and the participant's reference only: no name, no need, no agenda, no diagnosis.
``meeting_invitation_send`` records the invitation (a late one is flagged, as when it is
recorded by hand) and asks, through the outbox, for ``meeting_invitation_email`` after the
commit. Each member of staff is e-mailed once: an invitee is claimed with a conditional
UPDATE (``emailed_at`` from null to now) before the mail goes out, released if sending
fails, so a second send, a repeated task or two workers never mail anyone twice.
``meeting_preparation_change`` moves a planned meeting or changes its place or agenda; when
the time or the place changes after the invitation went out, those already e-mailed get it
again, as a change of the same calendar entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from cm_portal import outbox
from cm_portal.models import User
from participants.events import case_changed

from ..models import CoordinationMeeting, MeetingInvitee, MeetingStatus
from .meetings import (
    Action,
    _log,
    _require_planned,
    _tracked_save,
    meeting_require_consent,
    needs_guardian,
)

logger = logging.getLogger(__name__)

EMAIL_TASK = "plans.tasks.email_meeting_invitation"
# What the e-mail and the .ics carry: a change of one of these is e-mailed again.
IN_THE_INVITATION = ("meeting_on", "starts_at", "ends_at", "place", "video_link")
DEFAULT_LENGTH = timedelta(hours=1)
ICS_FILENAME = "intern-sip.ics"


def meeting_times(meeting: CoordinationMeeting) -> tuple[datetime, datetime]:
    """Start and end as aware datetimes (local time of the installation)."""
    if meeting.starts_at is None:
        raise ValueError(f"meeting {meeting.pk} has no start time")
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(meeting.meeting_on, meeting.starts_at, tzinfo=zone)
    if meeting.ends_at is not None:
        return start, datetime.combine(meeting.meeting_on, meeting.ends_at, tzinfo=zone)
    return start, start + DEFAULT_LENGTH


def invitation_ics(meeting: CoordinationMeeting) -> bytes:
    """The calendar entry: time, place and the reference, nothing else about the person."""
    start, end = meeting_times(meeting)
    calendar = Calendar()
    calendar.add("prodid", "-//cm-portal//Intern-SIP//SV")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{urlsplit(settings.SITE_URL).hostname or 'cm-portal'}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("sequence", meeting.invitation_sequence)
    event.add("summary", f"{meeting.get_kind_display()} {meeting.participant.reference}")
    event.add("location", meeting.where)
    calendar.add_component(event)
    return calendar.to_ical()


def invitation_email(meeting: CoordinationMeeting, recipient: str) -> EmailMessage:
    """The e-mail to one member of staff, in the site language, with the ``.ics``."""
    start, end = meeting_times(meeting)
    with translation.override(settings.LANGUAGE_CODE):
        kind = meeting.get_kind_display()
        changed = meeting.invitation_sequence > 0
        subject = (
            _("Changed time or place: %(kind)s %(reference)s")
            if changed
            else _("Invitation: %(kind)s %(reference)s")
        ) % {"kind": kind, "reference": meeting.participant.reference}
        body = render_to_string(
            "plans/email/meeting_invitation.txt",
            {
                "kind": kind,
                "reference": meeting.participant.reference,
                "day": meeting.meeting_on,
                "start": start,
                "end": end,
                "place": meeting.place,
                "video_link": meeting.video_link,
                "changed": changed,
            },
        )
    message = EmailMessage(subject=str(subject), body=body, to=[recipient])
    message.attach(ICS_FILENAME, invitation_ics(meeting), "text/calendar; charset=utf-8")
    return message


def _staff_invitees(meeting: CoordinationMeeting):
    return meeting.invitees.filter(staff__isnull=False)


def meeting_invitation_send(
    *, meeting: CoordinationMeeting, actor: User, client_address: str | None = None
) -> CoordinationMeeting:
    """Send the invitation: recorded as sent today (flagged late when sent later than the
    programme's days ahead, as when recorded by hand) and e-mailed to the invited staff
    after the commit, each once.
    Needs the time and the place or a video link, and a member of staff invited by name."""
    _require_planned(meeting)
    meeting_require_consent(meeting)
    errors: dict[str, str] = {}
    if meeting.starts_at is None:
        errors["starts_at"] = _("Give the meeting's start time before sending the invitation.")
    if not meeting.where:
        errors["place"] = _("Give the place or a video link before sending the invitation.")
    if not _staff_invitees(meeting).exists():
        errors["staff"] = _(
            "No member of staff is invited by name: there is nobody to e-mail. Record the "
            "invitation by hand instead."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if meeting.invitation_sent_on is None:
            _tracked_save(meeting, {"invitation_sent_on": timezone.localdate()}, actor)
        _log(
            meeting,
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            what="invitation e-mailed",
        )
        outbox.enqueue(EMAIL_TASK, meeting.pk, dedupe_key=f"meeting-invitation:{meeting.pk}")
        case_changed(meeting.participant_id)
    return meeting


@dataclass(frozen=True)
class PreparationChange:
    changed: list[str]  # the fields that changed
    emailed_again: bool  # the invited staff already e-mailed get the new time or place


def meeting_preparation_change(
    *,
    meeting: CoordinationMeeting,
    actor: User,
    meeting_on: date,
    starts_at: time | None,
    ends_at: time | None,
    place: str,
    video_link: str,
    agenda: str,
    client_address: str | None = None,
) -> PreparationChange:
    """Change a planned meeting's date, time, place, video link or agenda, keeping the old
    and new values. When the date, time or place changes
    and invited staff were already e-mailed, they are e-mailed again after the commit: the
    same calendar entry with its SEQUENCE one higher, so their calendars move it."""
    _require_planned(meeting)
    if needs_guardian(meeting.participant, meeting_on) and not meeting.guardian_consented:
        raise ValidationError(
            {
                "meeting_on": _(
                    "The participant is under 18 on that date: the guardians must consent "
                    "to the meeting first. Book a new meeting with their consent instead."
                )
            }
        )
    values = {
        "meeting_on": meeting_on,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place.strip(),
        "video_link": video_link.strip(),
        "agenda": agenda.strip(),
    }
    with transaction.atomic():
        changed = _tracked_save(meeting, values, actor)
        if not changed:
            return PreparationChange(changed=[], emailed_again=False)
        _log(
            meeting,
            action=Action.CHANGE,
            actor=actor,
            client_address=client_address,
            what="preparation",
            changed=changed,
        )
        emailed_again = bool(set(changed) & set(IN_THE_INVITATION)) and _email_the_change(meeting)
        case_changed(meeting.participant_id)
    return PreparationChange(changed=changed, emailed_again=emailed_again)


def _email_the_change(meeting: CoordinationMeeting) -> bool:
    """Those already e-mailed are to be e-mailed again (``emailed_at`` back to null), with
    the calendar entry's next SEQUENCE. Nobody e-mailed yet: nothing to send (False)."""
    if not _staff_invitees(meeting).filter(emailed_at__isnull=False).update(emailed_at=None):
        return False
    meeting.invitation_sequence += 1
    meeting.save(update_fields=["invitation_sequence"])
    outbox.enqueue(EMAIL_TASK, meeting.pk, dedupe_key=f"meeting-invitation:{meeting.pk}")
    return True


def _claim(invitee_id: int) -> bool:
    return bool(
        MeetingInvitee.objects.filter(pk=invitee_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
    )


def meeting_invitation_email(*, meeting_id: int) -> int:
    """The task's body: e-mail each invited member of staff not yet e-mailed; returns how
    many went. A cancelled or held meeting sends nothing."""
    meeting = (
        CoordinationMeeting.objects.select_related("participant")
        .filter(pk=meeting_id, status=MeetingStatus.PLANNED)
        .first()
    )
    if meeting is None or meeting.starts_at is None:
        return 0
    pending = (
        _staff_invitees(meeting)
        .filter(emailed_at__isnull=True, staff__is_active=True)
        .exclude(staff__email="")
        .select_related("staff")
        .order_by("pk")
    )
    sent = 0
    for invitee in pending:
        if not _claim(invitee.pk):
            continue
        try:
            invitation_email(meeting, invitee.staff.email).send()
        except Exception:
            MeetingInvitee.objects.filter(pk=invitee.pk).update(emailed_at=None)
            logger.exception("meeting invitation e-mail to invitee %s failed", invitee.pk)
            raise
        sent += 1
    return sent
