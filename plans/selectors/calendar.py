"""What is coming for a case worker, by day: their deadlines and meetings (issue 17).

The calendar page and the personal ``.ics`` feed read the same entries. A case manager sees
the participants they may change (assigned to them); a team lead the whole organisation's,
as on their start page. An entry names the participant by reference only, never by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from cm_portal.models import User
from participants.access import participants_for

from ..models import CoordinationMeeting, Deadline, DeadlineKind, DeadlineState, MeetingStatus

_PENDING = (DeadlineState.UPCOMING, DeadlineState.OPEN, DeadlineState.OVERDUE)


@dataclass(frozen=True)
class CalendarEntry:
    day: date
    kind: str  # "deadline" or "meeting"
    title: str  # the kind of deadline or meeting, in words
    reference: str
    participant_id: int
    object_id: int  # the deadline's or the meeting's id
    subject_id: int = 0  # a deadline's subject (the meeting of an invitation deadline)
    deadline_kind: str = ""
    starts_at: time | None = None  # a meeting's time, once it has one
    ends_at: time | None = None
    overdue: bool = False

    @property
    def uid(self) -> str:
        return f"{self.kind}-{self.object_id}"

    @property
    def sort_key(self) -> tuple:
        return (self.day, self.starts_at or time.min, self.kind != "meeting", self.reference)


def _meeting_time(meeting: CoordinationMeeting, name: str) -> time | None:
    # Meetings get a start and end time (issue 15); until then, a meeting is a whole day.
    value = getattr(meeting, name, None)
    return value if isinstance(value, time) else None


def calendar_entries(user: User, *, start: date, end: date, today: date) -> list[CalendarEntry]:
    """The user's pending deadlines due and meetings (not cancelled) from ``start`` to
    ``end``, both included, by day and time. Two queries."""
    participants = participants_for(user, need="change")
    entries: list[CalendarEntry] = []
    deadlines = (
        Deadline.objects.filter(
            participant__in=participants, state__in=_PENDING, due_on__gte=start, due_on__lte=end
        )
        .select_related("participant")
        .order_by("due_on", "id")
    )
    for deadline in deadlines:
        entries.append(
            CalendarEntry(
                day=deadline.due_on,
                kind="deadline",
                title=str(DeadlineKind(deadline.kind).label),
                reference=deadline.participant.reference,
                participant_id=deadline.participant_id,
                object_id=deadline.pk,
                subject_id=deadline.subject_id,
                deadline_kind=deadline.kind,
                overdue=deadline.due_on < today,
            )
        )
    meetings = (
        CoordinationMeeting.objects.filter(
            participant__in=participants, meeting_on__gte=start, meeting_on__lte=end
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("participant")
        .order_by("meeting_on", "id")
    )
    for meeting in meetings:
        entries.append(
            CalendarEntry(
                day=meeting.meeting_on,
                kind="meeting",
                title=str(meeting.get_kind_display()),
                reference=meeting.participant.reference,
                participant_id=meeting.participant_id,
                object_id=meeting.pk,
                starts_at=_meeting_time(meeting, "starts_at"),
                ends_at=_meeting_time(meeting, "ends_at"),
            )
        )
    return sorted(entries, key=lambda entry: entry.sort_key)
