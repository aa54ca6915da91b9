"""Retention (gallring): a closed case is deleted some years after its last entry.

The rule (security.md line 21, the social services' retention rules):

- A case *falls due* once it is closed and its last entry is ``RETENTION_YEARS`` old
  (default 5). The last entry is ``Participant.last_entry_at``, which every write to the
  case moves forward (:func:`note_entry` listens to ``participants.events.case_changed``).
- The nightly job deletes it ``RETENTION_NOTICE_DAYS`` (default 30) after it fell due, so
  the administrators' dry-run report lists every case for a month before it goes (and a
  weekly e-mail says how many), and a team lead can place a legal hold meanwhile.
- The deletion must be finished by the end of the calendar year after the case fell due;
  the report flags a case that is still here after that.
- A case on legal hold is never deleted.

What goes: the participant row and everything that cascades from it (contacts, consents,
plans, ratings, meetings, deadlines, reminders, change history, exports and documents),
and their stored files: in the same transaction when they are in the database (the
default), once the deletion has committed when they are in a folder or an object store.
What stays: the access log (it has its own period, see
``cm_portal.access_log.purge_expired``), activity records (they name no one), the steering
group's reports, and the figures of every finished reporting period the case counted in:
the listeners registered with :func:`before_deletion` freeze them first (``reporting`` does).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.files.storage import Storage
from django.core.mail import send_mail
from django.db import router, transaction
from django.db.models import FileField
from django.db.models.deletion import Collector
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.dates import years_after
from cm_portal.models import AccessEvent, Role
from cm_portal.selectors import emails_of_role
from cm_portal.storage import is_transactional

from .models import Participant, RetentionNotice

logger = logging.getLogger(__name__)

Listener = Callable[[Participant, date], None]
_before_deletion: list[Listener] = []


def before_deletion(listener: Listener) -> Listener:
    """Register ``listener(participant, today)``, called inside the deletion's transaction
    while all of the case's data is still there; registering twice is a no-op."""
    if listener not in _before_deletion:
        _before_deletion.append(listener)
    return listener


def note_entry(participant_id: int) -> None:
    """A write to the case (registered for ``case_changed`` in ``ParticipantsConfig``): its
    retention period starts again from now."""
    Participant.objects.filter(pk=participant_id).update(last_entry_at=timezone.now())


@dataclass(frozen=True)
class RetentionCase:
    """A closed case with its retention dates, as the dry-run report shows it."""

    participant: Participant
    last_entry: date
    due_on: date
    delete_on: date
    deadline: date

    @property
    def held(self) -> bool:
        return self.participant.legal_hold

    def is_deletable(self, today: date) -> bool:
        return not self.held and self.delete_on <= today

    def is_late(self, today: date) -> bool:
        """Still here after the end of the year after it fell due (held or not)."""
        return today > self.deadline


@dataclass(frozen=True)
class ScheduleCounts:
    """What a dry run says in numbers on ``today``."""

    deletable: int  # deleted at the next nightly run
    held: int
    late: int  # past the deadline, held or not


def schedule_counts(schedule: list[RetentionCase], today: date) -> ScheduleCounts:
    return ScheduleCounts(
        deletable=sum(case.is_deletable(today) for case in schedule),
        held=sum(case.held for case in schedule),
        late=sum(case.is_late(today) for case in schedule),
    )


def retention_case(participant: Participant) -> RetentionCase:
    last_entry = timezone.localdate(participant.last_entry_at)
    due_on = years_after(last_entry, settings.RETENTION_YEARS)
    return RetentionCase(
        participant=participant,
        last_entry=last_entry,
        due_on=due_on,
        delete_on=due_on + timedelta(days=settings.RETENTION_NOTICE_DAYS),
        deadline=date(due_on.year + 1, 12, 31),
    )


def _closed_with_entries_until(day: date):
    """Closed cases whose last entry is on or before ``day``, oldest entry first."""
    return (
        Participant.objects.filter(intervention_end__isnull=False, last_entry_at__date__lte=day)
        .select_related("organisation")
        .order_by("last_entry_at", "pk")
    )


def _last_entry_cutoff(day: date) -> date:
    """The latest last entry whose case falls due on or before ``day``."""
    return years_after(day, -settings.RETENTION_YEARS)


def retention_schedule(*, today: date | None = None, days_ahead: int = 60) -> list[RetentionCase]:
    """The dry run: every closed case that falls due within ``days_ahead`` days (or has
    already), held ones included, with the day the job will delete it."""
    today = today or timezone.localdate()
    cutoff = _last_entry_cutoff(today + timedelta(days=days_ahead))
    return [retention_case(participant) for participant in _closed_with_entries_until(cutoff)]


def deletable_ids(*, today: date) -> list[int]:
    cutoff = _last_entry_cutoff(today - timedelta(days=settings.RETENTION_NOTICE_DAYS))
    return list(
        _closed_with_entries_until(cutoff).filter(legal_hold=False).values_list("pk", flat=True)
    )


def notice_email(*, due: int, held: int, late: int) -> tuple[str, str]:
    """Subject and body: counts and a link, never a reference (the e-mail leaves the
    portal)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("CM portal: closed cases will be deleted under the retention rules")
        body = render_to_string(
            "participants/email/retention_notice.txt",
            {
                "due": due,
                "held": held,
                "late": late,
                "notice_days": settings.RETENTION_NOTICE_DAYS,
                "link": f"{settings.SITE_URL}{reverse('participants:retention')}",
            },
        )
    return str(subject), body


def notify_administrators(*, today: date | None = None) -> bool:
    """Weekly: tell the administrators how many cases the nightly job will delete within
    the notice period, so that someone looks before they go. At most one e-mail a week,
    however often it runs; none when nothing is due. True when one was sent."""
    today = today or timezone.localdate()
    schedule = retention_schedule(today=today, days_ahead=0)
    due = [case for case in schedule if not case.held]
    if not due:
        return False
    recipients = emails_of_role(Role.ADMINISTRATOR)
    if not recipients:
        return False
    with transaction.atomic():
        _notice, created = RetentionNotice.objects.get_or_create(
            week_of=today - timedelta(days=today.weekday()), defaults={"cases": len(due)}
        )
        if not created:
            return False
        counts = schedule_counts(schedule, today)
        subject, body = notice_email(due=len(due), held=counts.held, late=counts.late)
        # Inside the claim's transaction: a failed send releases the week for a retry.
        send_mail(subject, body, None, recipients)
    return True


def _file_fields(model) -> list[FileField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, FileField)]


def _stored_files(collector: Collector) -> list[tuple[Storage, str]]:
    """The files of every row the collector is about to delete."""
    files = []
    for model, instances in collector.data.items():
        for field in _file_fields(model):
            files += [(field.storage, getattr(obj, field.attname).name) for obj in instances]
    # Rows Django deletes with one DELETE, never loading them: read their file names first.
    for queryset in collector.fast_deletes:
        for field in _file_fields(queryset.model):
            names = queryset.values_list(field.attname, flat=True)
            files += [(field.storage, name) for name in names]
    return [(storage, name) for storage, name in files if name]


def _remove_files(files: list[tuple[Storage, str]]) -> None:
    """Remove the files in the deletion's transaction where the storage takes part in it
    (the database), and after the commit where it cannot (a folder, an object store)."""
    now = [(storage, name) for storage, name in files if is_transactional(storage)]
    later = [(storage, name) for storage, name in files if not is_transactional(storage)]
    for storage, name in now:
        storage.delete(name)  # a failure rolls the whole deletion back: nothing half done
    if later:
        transaction.on_commit(lambda: _remove_files_after_commit(later))


def _remove_files_after_commit(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            # The rows are gone; a file left behind is logged by its generated name only.
            logger.exception("Retention: could not remove the stored file %s", name)


def delete_case(participant_id: int, *, today: date | None = None) -> bool:
    """Delete one case if it is still due and not held; True when it was deleted.

    The participant row is locked and the rule checked again, so a legal hold placed or
    an entry written since the case was listed wins. Safe to run twice.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        participant = Participant.objects.select_for_update().filter(pk=participant_id).first()
        if participant is None or participant.is_open:
            return False
        if not retention_case(participant).is_deletable(today):
            return False
        for listener in _before_deletion:
            listener(participant, today)
        collector = Collector(using=router.db_for_write(Participant))
        collector.collect([participant])
        files = _stored_files(collector)
        _rows, by_model = collector.delete()
        access_log.record(
            action=AccessEvent.Action.DELETE,
            object_type="participant",
            object_id=participant_id,
            detail=f"retention: {sum(by_model.values())} rows, {len(files)} files",
        )
        _remove_files(files)
    return True


def delete_expired_cases(*, today: date | None = None) -> int:
    """The nightly job: delete every case that is due and not held; returns how many.

    Each case in its own transaction, so one that fails leaves the others done.
    """
    today = today or timezone.localdate()
    deleted = 0
    for participant_id in deletable_ids(today=today):
        try:
            deleted += delete_case(participant_id, today=today)
        except Exception:
            logger.exception("Retention: deleting participant %s failed", participant_id)
    return deleted
