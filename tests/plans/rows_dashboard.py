"""Dashboard and reminder URLs by persona, and the builders the dashboard tests share.

Every case worker has a start page and reminders of their own, so all five get in; the
steering group and the administrator never see an individual's deadlines (security.md 4).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from plans.models import Deadline, DeadlineKind, DeadlineState, Reminder, ReminderStage
from tests.consent.helpers import consent_participant_of
from tests.matrix import LOGIN, Fixtures, Row, statuses

CASE_WORKERS = ("alice", "bob", "charlie", "dana", "tess")

OWN_PAGE = statuses(anonymous=LOGIN, staff=200, steve=403, pia=403, ada=403, rita=403)
# The role is checked before the method: only case workers learn the URL is POST only.
POST_ONLY_GET = statuses(anonymous=LOGIN, staff=405, steve=403, pia=403, ada=403, rita=403)
OWN_ACTION = statuses(anonymous=LOGIN, staff=302, steve=403, pia=403, ada=403, rita=403)


def deadline_for(
    participant,
    *,
    kind: str = DeadlineKind.PLAN,
    due_on: date,
    state: str = DeadlineState.OPEN,
    subject_id: int = 0,
) -> Deadline:
    """A deadline row as the engine would leave it (the tests do not run the engine)."""
    deadline, _created = Deadline.objects.update_or_create(
        participant=participant,
        kind=kind,
        subject_id=subject_id,
        # Open and overdue deadlines have an open window (the dashboard reads only those).
        defaults={"window_opens": due_on - timedelta(days=28), "due_on": due_on, "state": state},
    )
    return deadline


def reminder_for(
    deadline: Deadline, recipient, *, stage: str = ReminderStage.WINDOW_OPENED, read: bool = False
) -> Reminder:
    reminder, _created = Reminder.objects.get_or_create(
        deadline=deadline,
        stage=stage,
        recipient=recipient,
        defaults={"read_at": timezone.now() if read else None},
    )
    return reminder


def _unread_reminder_for_every_case_worker(f: Fixtures) -> dict:
    """Whoever posts has something to mark as read, so an accepted POST changes a row."""
    deadline = deadline_for(consent_participant_of(f), due_on=timezone.localdate())
    for persona in CASE_WORKERS:
        reminder_for(deadline, f(persona))
    return {}


ROWS: dict[str, Row] = {
    "plans:dashboard": Row(expect={"GET": OWN_PAGE}),
    "plans:reminders": Row(expect={"GET": OWN_PAGE}, data=_unread_reminder_for_every_case_worker),
    "plans:reminders_read": Row(
        expect={"GET": POST_ONLY_GET, "POST": OWN_ACTION},
        data=_unread_reminder_for_every_case_worker,
        changes_state=True,
    ),
}
