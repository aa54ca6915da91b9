"""Reminders about deadlines: in the portal, and by e-mail without personal data.

Three stages a deadline (docs/kpis.md): when its window opens, 7 days before the due date, and
on the first day overdue. Each goes once to each assigned case manager (the organisation's
team leads when nobody is assigned).

*Once* is not luck but a constraint: ``Reminder`` is unique per (deadline, stage, recipient)
and rows are written with ``bulk_create(ignore_conflicts=True)``, so a second run, two runs at
the same time, or a run after a worker died midway, insert nothing new. Deadline rows keep
their ids across recomputations, so the constraint holds across them too.

Catch-up: only the latest stage that applies today is written. A deadline first seen (or a
run missed) when it is already within 7 days of its due date gets "7 days left" only, not
also "window opened"; one already overdue gets "overdue" only. Every deadline the start page
lists as open or overdue gets its reminder in the portal, however long overdue, so the two
pages never contradict each other (issue 17: on the first night after go-live, the reminders
page was empty beside a start page full of overdue deadlines). Only the e-mail is capped: an
overdue reminder more than ``OVERDUE_CATCH_UP_DAYS`` after the due date is not e-mailed, since
a mail about something long overdue (e.g. when the portal first goes live) is noise.
Participants whose intervention has ended get no reminders: nothing can be done there.

E-mail is sent at most once a reminder: a reminder is claimed with a conditional UPDATE
(``emailed_at`` from null to now) before the mail goes out, and released if sending fails.
A worker that dies between claim and send loses that e-mail; the portal reminder remains.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cm_portal.models import Role, User
from participants.models import ParticipantUserObjectPermission

from ..models import Deadline, DeadlineKind, DeadlineState, Reminder, ReminderStage

logger = logging.getLogger(__name__)

SEVEN_DAYS = 7
OVERDUE_CATCH_UP_DAYS = 30
EMAIL_BATCH = 200
_ASSIGNED = "change_participant"
_PENDING = (DeadlineState.UPCOMING, DeadlineState.OPEN, DeadlineState.OVERDUE)


@dataclass(frozen=True)
class SendResult:
    created: int
    emailed: int


def current_state(deadline: Deadline, *, today: date) -> str:
    """The deadline's state as of ``today``. Met and void change only with the case (and the
    case change recomputes them); the others follow from the dates alone, so reminders do
    not depend on the nightly recomputation having run first."""
    if deadline.state in (DeadlineState.MET, DeadlineState.VOID):
        return deadline.state
    if today > deadline.due_on:
        return DeadlineState.OVERDUE
    if today >= deadline.window_opens:
        return DeadlineState.OPEN
    return DeadlineState.UPCOMING


def reminder_stage(deadline: Deadline, *, today: date) -> str | None:
    """The stage to remind about today, or None: the latest one that applies (catch-up)."""
    state = current_state(deadline, today=today)
    if state == DeadlineState.OVERDUE:
        return ReminderStage.FIRST_DAY_OVERDUE
    if state != DeadlineState.OPEN:
        return None
    if deadline.due_on - timedelta(days=SEVEN_DAYS) <= today < deadline.due_on:
        return ReminderStage.SEVEN_DAYS_BEFORE
    return ReminderStage.WINDOW_OPENED


def _recipients(deadlines: list[Deadline]) -> dict[int, list[int]]:
    """Participant id to the user ids to remind: the active assigned case managers, or the
    active team leads of the participant's organisation when nobody is assigned. Two
    queries for any number of participants (``assigned_case_managers`` is one a participant).
    """
    participant_ids = {deadline.participant_id for deadline in deadlines}
    assigned: dict[int, list[int]] = defaultdict(list)
    rows = ParticipantUserObjectPermission.objects.filter(
        permission__codename=_ASSIGNED,
        content_object_id__in=participant_ids,
        user__is_active=True,
        user__role__in=(Role.CASE_MANAGER, Role.TEAM_LEAD),
    ).values_list("content_object_id", "user_id")
    for participant_id, user_id in rows:
        assigned[participant_id].append(user_id)
    organisation_of = {d.participant_id: d.participant.organisation_id for d in deadlines}
    unassigned_orgs = {org for pid, org in organisation_of.items() if not assigned.get(pid)}
    leads: dict[int, list[int]] = defaultdict(list)
    if unassigned_orgs:
        for user_id, org_id in User.objects.filter(
            role=Role.TEAM_LEAD, is_active=True, organisation_id__in=unassigned_orgs
        ).values_list("pk", "organisation_id"):
            leads[org_id].append(user_id)
    return {
        pid: sorted(assigned.get(pid) or leads.get(organisation_of[pid], []))
        for pid in participant_ids
    }


def reminders_create(*, today: date | None = None) -> int:
    """Write today's reminder rows (see the module docstring); returns how many are new."""
    today = today or timezone.localdate()
    candidates = list(
        Deadline.objects.filter(
            state__in=_PENDING,
            window_opens__lte=today,
        )
        .filter(
            Q(participant__intervention_end__isnull=True)
            | Q(participant__intervention_end__gt=today)
        )
        .select_related("participant")
    )
    staged = [(d, stage) for d in candidates if (stage := reminder_stage(d, today=today))]
    if not staged:
        return 0
    recipients = _recipients([deadline for deadline, _stage in staged])
    now = timezone.now()
    rows = [
        Reminder(deadline=deadline, stage=stage, recipient_id=user_id, created_at=now)
        for deadline, stage in staged
        for user_id in recipients[deadline.participant_id]
    ]
    before = Reminder.objects.count()
    # The unique constraint reminder_once_per_stage is what makes this run-twice safe.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return Reminder.objects.count() - before


def _portal_link() -> str:
    try:
        path = reverse("plans:reminders")
    except NoReverseMatch:
        # The notification list lives in another part; until it is there, the start page.
        path = "/"
    return f"{settings.SITE_URL}{path}"


def reminder_email(reminder: Reminder) -> tuple[str, str]:
    """Subject and body, in the site language: the kind of deadline, the stage and a link;
    no name, reference, date or anything else about the participant."""
    with translation.override(settings.LANGUAGE_CODE):
        kind = DeadlineKind(reminder.deadline.kind).label
        stage = ReminderStage(reminder.stage).label
        subject = _("CM portal: a deadline needs your attention")
        body = render_to_string(
            "plans/email/reminder.txt",
            {"kind": kind, "stage": stage, "link": _portal_link()},
        )
    return str(subject), body


def _claim(reminder_id: int) -> bool:
    # Conditional UPDATE: of two workers, exactly one moves emailed_at from null.
    return bool(
        Reminder.objects.filter(pk=reminder_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
    )


def reminders_email(*, today: date | None = None) -> int:
    """E-mail every reminder not yet e-mailed, each at most once; returns how many went."""
    today = today or timezone.localdate()
    # A reminder whose deadline was met (or voided) before the mail went out is not mailed:
    # the portal list still shows it. Nor is one about a deadline long overdue (see above).
    pending = (
        Reminder.objects.filter(
            emailed_at__isnull=True, recipient__is_active=True, deadline__state__in=_PENDING
        )
        .exclude(recipient__email="")
        .exclude(
            stage=ReminderStage.FIRST_DAY_OVERDUE,
            deadline__due_on__lt=today - timedelta(days=OVERDUE_CATCH_UP_DAYS),
        )
        .select_related("deadline", "recipient")
        .order_by("id")
    )
    sent = 0
    for reminder in pending.iterator(chunk_size=EMAIL_BATCH):
        if not _claim(reminder.pk):
            continue
        subject, body = reminder_email(reminder)
        try:
            send_mail(subject, body, None, [reminder.recipient.email])
        except Exception:
            # Released so the next run tries again; the error still reaches the logs.
            Reminder.objects.filter(pk=reminder.pk).update(emailed_at=None)
            logger.exception("reminder e-mail %s failed", reminder.pk)
            raise
        sent += 1
    return sent


def reminders_send(*, today: date | None = None) -> SendResult:
    """Write today's reminders, then e-mail those not yet e-mailed. Safe to run any time,
    and twice: nothing is written or sent a second time."""
    created = reminders_create(today=today)
    emailed = reminders_email(today=today)
    return SendResult(created=created, emailed=emailed)
