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
from django.db.models import Q
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


def invitation_email(
    meeting: CoordinationMeeting, recipient: str, *, changed: bool = False
) -> EmailMessage:
    """The e-mail to one member of staff, in the site language, with the ``.ics``:
    ``changed`` for one who was e-mailed an earlier time or place of the meeting."""
    start, end = meeting_times(meeting)
    with translation.override(settings.LANGUAGE_CODE):
        kind = meeting.get_kind_display()
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
    and new values. When the date, time or place changes and invited staff were already
    e-mailed, they are e-mailed again after the commit: the same calendar entry with its
    SEQUENCE one higher, so their calendars move it."""
    values = {
        "meeting_on": meeting_on,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place.strip(),
        "video_link": video_link.strip(),
        "agenda": agenda.strip(),
    }
    with transaction.atomic():
        # Locked and read again: two changes at once, or a change and the e-mail task,
        # take turns, and the SEQUENCE counts every change once.
        meeting.refresh_from_db(from_queryset=CoordinationMeeting.objects.select_for_update())
        _require_planned(meeting)
        _check_change(meeting, values)
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


def _emailed(meeting: CoordinationMeeting):
    """The invited staff e-mailed some version of the invitation, or being e-mailed now."""
    return _staff_invitees(meeting).filter(
        Q(emailed_sequence__isnull=False) | Q(emailed_at__isnull=False)
    )


def _check_change(meeting: CoordinationMeeting, values: dict) -> None:
    """What booking does not ask but a change must: the guardians' consent for a new date
    under 18, a date not before the invitation went out, and, once the invitation was
    e-mailed, a time and a place to e-mail again."""
    errors: dict[str, str] = {}
    meeting_on = values["meeting_on"]
    if needs_guardian(meeting.participant, meeting_on) and not meeting.guardian_consented:
        errors["meeting_on"] = _(
            "The participant is under 18 on that date: the guardians must consent to the "
            "meeting first. Book a new meeting with their consent instead."
        )
    elif meeting.invitation_sent_on and meeting_on < meeting.invitation_sent_on:
        errors["meeting_on"] = _(
            "The invitation went out on %(day)s: the meeting cannot be moved before that day."
        ) % {"day": meeting.invitation_sent_on.isoformat()}
    if _emailed(meeting).exists():
        if values["starts_at"] is None:
            errors["starts_at"] = _(
                "The invitation has been e-mailed: keep a start time, so that the change can "
                "be e-mailed too."
            )
        if not (values["place"] or values["video_link"]):
            errors["place"] = _(
                "The invitation has been e-mailed: keep a place or a video link, so that the "
                "change can be e-mailed too."
            )
    if errors:
        raise ValidationError(errors)


def _email_the_change(meeting: CoordinationMeeting) -> bool:
    """Those e-mailed (or being e-mailed) are to be e-mailed again (``emailed_at`` back to
    null), with the calendar entry's next SEQUENCE. Nobody e-mailed yet: nothing to send
    (False); the first e-mail will carry the new time and place."""
    if not _emailed(meeting).update(emailed_at=None):
        return False
    meeting.invitation_sequence += 1  # the row is locked: no other change counts meanwhile
    meeting.save(update_fields=["invitation_sequence"])
    outbox.enqueue(EMAIL_TASK, meeting.pk, dedupe_key=f"meeting-invitation:{meeting.pk}")
    return True


def _claim(invitee_id: int) -> bool:
    return bool(
        MeetingInvitee.objects.filter(pk=invitee_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
    )


def _planned(meeting_id: int) -> CoordinationMeeting | None:
    return (
        CoordinationMeeting.objects.select_related("participant")
        .filter(pk=meeting_id, status=MeetingStatus.PLANNED)
        .first()
    )


def _next_pending(meeting: CoordinationMeeting) -> MeetingInvitee | None:
    """The next member of staff who has not been e-mailed this version of the meeting."""
    return (
        _staff_invitees(meeting)
        .filter(emailed_at__isnull=True, staff__is_active=True)
        .filter(
            Q(emailed_sequence__isnull=True) | Q(emailed_sequence__lt=meeting.invitation_sequence)
        )
        .exclude(staff__email="")
        .select_related("staff")
        .order_by("pk")
        .first()
    )


def meeting_invitation_email(*, meeting_id: int) -> int:
    """The task's body: e-mail each invited member of staff who has not had this version of
    the meeting; returns how many went. A cancelled or held meeting sends nothing. The
    meeting is read again for each person, after the claim, so that a change saved
    meanwhile goes out as it now is (and a change saved after that read resets the claim,
    so the person is e-mailed once more)."""
    sent = 0
    while (meeting := _planned(meeting_id)) is not None and meeting.starts_at is not None:
        invitee = _next_pending(meeting)
        if invitee is None:
            break
        if not _claim(invitee.pk):
            continue  # another worker took this one
        meeting = _planned(meeting_id)
        if meeting is None or meeting.starts_at is None:
            MeetingInvitee.objects.filter(pk=invitee.pk).update(emailed_at=None)
            break
        changed = invitee.emailed_sequence is not None
        email = invitee.staff.email if invitee.staff else ""  # _staff_invitees: named staff
        try:
            invitation_email(meeting, email, changed=changed).send()
        except Exception:
            MeetingInvitee.objects.filter(pk=invitee.pk).update(emailed_at=None)
            logger.exception("meeting invitation e-mail to invitee %s failed", invitee.pk)
            raise
        MeetingInvitee.objects.filter(pk=invitee.pk).update(
            emailed_sequence=meeting.invitation_sequence
        )
        sent += 1
    return sent
