"""Compute a participant's deadlines (docs/kpis.md, "Deadlines") and store them.

Deadlines are derived data: ``deadlines_for`` is a pure reading of the case as of ``today``;
``deadlines_recompute`` rewrites the stored rows to match it. The stored rows keep their ids
across recomputations (update in place, never delete and recreate), because reminders point
at them and are unique per deadline, stage and person.

State rules, in this order (the first that holds wins):

1. *met* when fulfilled on or before ``today`` (``met_on`` is the fulfilment date). A deadline
   met late (``met_on > due_on``) is still *met*: the KPIs judge lateness from the dates.
2. *void* when the consent was withdrawn or the meeting cancelled, or the participant ended
   before the deadline fell due (intervention end < due date), unmet.
3. *overdue* when the due date has passed (``today > due_on``).
4. *open* inside the window (``window_opens <= today <= due_on``); due today is still open.
5. *upcoming* before the window opens.

What "fulfilled" means, per kind:

- plan: the plan is established (``established_on``; the plan services refuse to establish
  an incomplete plan, which is the K2 rule).
- crisis plan (crisis-relevant participants only): established, with at least one link in
  the chain of responsibility (K5).
- 3-month date D3: the *due contacts* (not cancelled, and planned on or before D3 or
  completed on or before D3) are at least one and all completed (K3); ``met_on`` is the last
  completion date. Completed after D3 is "met late", as for the other kinds.
- baseline self-rating: a baseline rating exists; ``met_on`` is the earliest one's date.
- consent renewal: a later consent (signed after this one, not withdrawn) names at least
  the same organisations; ``met_on`` is the earliest such consent's signing date. Outside
  actors are free text and are not compared: the organisations are what sharing grants
  (and so access) depend on.
- meeting invitation: the invitation was sent (``met_on = invitation_sent_on``). A meeting
  booked less than 14 days ahead has its window open on the due date (not after it).
- Intern-SIP asked for (one a request, seed 004 step 1): the window opens on the day the
  participant asked, due 30 days later; met by the first Intern-SIP held on or after that
  day (``met_on`` its date).
- follow-up meeting (one a held meeting with a follow-up date): the window opens 14 days
  before the date; met when a meeting booked as its follow-up is held (``met_on`` its date).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from consent.models import Consent
from participants.models import Participant

from ..deadlines import PLAN_WINDOW_OPENS_DAYS, plan_deadline, three_month_date
from ..models import (
    CoordinationMeeting,
    CrisisPlan,
    Deadline,
    DeadlineKind,
    DeadlineState,
    IndividualPlan,
    MeetingKind,
    MeetingOffer,
    MeetingStatus,
    OfferAnswer,
    PrioritisedContact,
    PrioritisedContactStatus,
    RatingPhase,
    SelfRating,
)
from ..models.meetings import ASKED_FOR_HOLD_DAYS, FOLLOW_UP_WINDOW_DAYS, INVITATION_DAYS_AHEAD

BASELINE_DAYS = 14
THREE_MONTH_WINDOW_DAYS = 14
CONSENT_WINDOW_DAYS = 30
RECOMPUTE_ALL_CHUNK = 500


@dataclass(frozen=True)
class DeadlineValue:
    """One computed deadline; the fields of a stored ``Deadline`` row."""

    kind: str
    subject_id: int
    window_opens: date
    due_on: date
    state: str
    met_on: date | None

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.subject_id)


def deadline_state(
    *,
    window_opens: date,
    due_on: date,
    met_on: date | None,
    ended_on: date | None,
    cancelled: bool = False,
    today: date,
) -> str:
    """The state of one deadline as of ``today`` (the rules in the module docstring)."""
    if met_on is not None and met_on <= today:
        return DeadlineState.MET
    if cancelled:
        return DeadlineState.VOID
    if ended_on is not None and ended_on < due_on:
        return DeadlineState.VOID
    if today > due_on:
        return DeadlineState.OVERDUE
    if today >= window_opens:
        return DeadlineState.OPEN
    return DeadlineState.UPCOMING


def _value(
    participant: Participant,
    *,
    kind: str,
    subject_id: int = 0,
    window_opens: date,
    due_on: date,
    met_on: date | None,
    cancelled: bool = False,
    today: date,
) -> DeadlineValue:
    if met_on is not None and met_on > today:
        # A fulfilment dated after ``today`` has not happened yet as of ``today``.
        met_on = None
    state = deadline_state(
        window_opens=window_opens,
        due_on=due_on,
        met_on=met_on,
        ended_on=participant.intervention_end,
        cancelled=cancelled,
        today=today,
    )
    return DeadlineValue(kind, subject_id, window_opens, due_on, state, met_on)


def _plan_established_on(participant: Participant) -> date | None:
    return (
        IndividualPlan.objects.filter(participant=participant)
        .values_list("established_on", flat=True)
        .first()
    )


def _crisis_plan_established_on(participant: Participant) -> date | None:
    row = (
        CrisisPlan.objects.filter(participant=participant)
        .annotate(links=Count("chain"))
        .values("established_on", "links")
        .first()
    )
    if row is None or not row["links"]:
        return None
    return row["established_on"]


def _three_months_met_on(participant: Participant, d3: date, today: date) -> date | None:
    contacts = PrioritisedContact.objects.filter(participant=participant).exclude(
        status=PrioritisedContactStatus.CANCELLED
    )
    due = [
        contact
        for contact in contacts.only("planned_on", "status", "completed_on")
        if contact.planned_on <= d3 or (contact.completed_on and contact.completed_on <= d3)
    ]
    completions = [
        contact.completed_on
        for contact in due
        if contact.status == PrioritisedContactStatus.COMPLETED
        and contact.completed_on is not None
        and contact.completed_on <= today
    ]
    if not due or len(completions) != len(due):
        return None
    return max(completions)


def _baseline_met_on(participant: Participant) -> date | None:
    return (
        SelfRating.objects.filter(participant=participant, phase=RatingPhase.BASELINE)
        .order_by("rated_on")
        .values_list("rated_on", flat=True)
        .first()
    )


def _consent_values(participant: Participant, today: date) -> Iterator[DeadlineValue]:
    consents = list(
        Consent.objects.filter(participant=participant)
        .prefetch_related("parties")
        .order_by("signed_on", "id")
    )
    organisations = {
        consent.pk: {party.organisation_id for party in consent.parties.all()}
        for consent in consents
    }
    for consent in consents:
        if consent.valid_until is None:
            continue
        renewals = [
            later.signed_on
            for later in consents
            if later.signed_on > consent.signed_on
            and later.withdrawn_on is None
            and organisations[later.pk] >= (organisations[consent.pk] - {None})
        ]
        yield _value(
            participant,
            kind=DeadlineKind.CONSENT_RENEWAL,
            subject_id=consent.pk,
            window_opens=consent.valid_until - timedelta(days=CONSENT_WINDOW_DAYS),
            due_on=consent.valid_until,
            met_on=min(renewals, default=None),
            cancelled=consent.withdrawn_on is not None,
            today=today,
        )


def _meeting_values(participant: Participant, today: date) -> Iterator[DeadlineValue]:
    meetings = CoordinationMeeting.objects.filter(participant=participant).only(
        "meeting_on", "invitation_sent_on", "status", "created_at"
    )
    for meeting in meetings.order_by("id"):
        due_on = meeting.meeting_on - timedelta(days=INVITATION_DAYS_AHEAD)
        booked_on = timezone.localdate(meeting.created_at)
        yield _value(
            participant,
            kind=DeadlineKind.MEETING_INVITATION,
            subject_id=meeting.pk,
            window_opens=min(booked_on, due_on),
            due_on=due_on,
            met_on=meeting.invitation_sent_on,
            cancelled=meeting.status == MeetingStatus.CANCELLED,
            today=today,
        )


def _asked_for_values(participant: Participant, today: date) -> Iterator[DeadlineValue]:
    requests = MeetingOffer.objects.filter(participant=participant, answer=OfferAnswer.ASKED_FOR)
    held = sorted(
        CoordinationMeeting.objects.filter(
            participant=participant, kind=MeetingKind.INTERN_SIP, status=MeetingStatus.HELD
        ).values_list("meeting_on", flat=True)
    )
    for offer in requests.only("offered_on").order_by("id"):
        yield _value(
            participant,
            kind=DeadlineKind.MEETING_ASKED_FOR,
            subject_id=offer.pk,
            window_opens=offer.offered_on,
            due_on=offer.offered_on + timedelta(days=ASKED_FOR_HOLD_DAYS),
            met_on=next((day for day in held if day >= offer.offered_on), None),
            today=today,
        )


def _follow_up_values(participant: Participant, today: date) -> Iterator[DeadlineValue]:
    meetings = CoordinationMeeting.objects.filter(
        participant=participant, status=MeetingStatus.HELD, follow_up_on__isnull=False
    ).only("follow_up_on")
    held_follow_ups: dict[int, list[date]] = {}
    for follows, day in CoordinationMeeting.objects.filter(
        participant=participant, status=MeetingStatus.HELD, follow_up_of__isnull=False
    ).values_list("follow_up_of_id", "meeting_on"):
        held_follow_ups.setdefault(follows, []).append(day)
    for meeting in meetings.order_by("id"):
        if meeting.follow_up_on is None:  # excluded by the filter; for the type checker
            continue
        yield _value(
            participant,
            kind=DeadlineKind.MEETING_FOLLOW_UP,
            subject_id=meeting.pk,
            window_opens=meeting.follow_up_on - timedelta(days=FOLLOW_UP_WINDOW_DAYS),
            due_on=meeting.follow_up_on,
            met_on=min(held_follow_ups.get(meeting.pk, []), default=None),
            today=today,
        )


def deadlines_for(participant: Participant, *, today: date) -> list[DeadlineValue]:
    """Every deadline of the table in docs/kpis.md for this participant, with its state as of
    ``today``. Reads only; ``deadlines_recompute`` stores the result."""
    start = participant.intervention_start
    d2 = plan_deadline(start)
    d2_window = start + timedelta(days=PLAN_WINDOW_OPENS_DAYS)
    d3 = three_month_date(start)
    values = [
        _value(
            participant,
            kind=DeadlineKind.PLAN,
            window_opens=d2_window,
            due_on=d2,
            met_on=_plan_established_on(participant),
            today=today,
        )
    ]
    if participant.crisis_relevant:
        values.append(
            _value(
                participant,
                kind=DeadlineKind.CRISIS_PLAN,
                window_opens=d2_window,
                due_on=d2,
                met_on=_crisis_plan_established_on(participant),
                today=today,
            )
        )
    values.append(
        _value(
            participant,
            kind=DeadlineKind.THREE_MONTHS,
            window_opens=d3 - timedelta(days=THREE_MONTH_WINDOW_DAYS),
            due_on=d3,
            met_on=_three_months_met_on(participant, d3, today),
            today=today,
        )
    )
    values.append(
        _value(
            participant,
            kind=DeadlineKind.BASELINE_RATING,
            window_opens=start,
            due_on=start + timedelta(days=BASELINE_DAYS),
            met_on=_baseline_met_on(participant),
            today=today,
        )
    )
    values.extend(_consent_values(participant, today))
    values.extend(_meeting_values(participant, today))
    values.extend(_asked_for_values(participant, today))
    values.extend(_follow_up_values(participant, today))
    return values


_FIELDS = ("window_opens", "due_on", "state", "met_on")


def deadlines_recompute(*, participant_id: int, today: date | None = None) -> int:
    """Rewrite the participant's stored deadlines to match ``deadlines_for``.

    Runs with the participant row locked, so two concurrent runs for the same participant
    take turns; rows are created, updated in place or deleted (their consent or meeting is
    gone, or the participant is no longer crisis-relevant). Returns how many rows changed:
    a second run with the same data and day returns 0. A participant that no longer exists
    is not an error (the task may run after a deletion): 0.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        participant = Participant.objects.select_for_update().filter(pk=participant_id).first()
        if participant is None:
            return 0
        wanted = {value.key: value for value in deadlines_for(participant, today=today)}
        rows = Deadline.objects.filter(participant=participant)
        stored = {(row.kind, row.subject_id): row for row in rows}
        stale = [row.pk for key, row in stored.items() if key not in wanted]
        if stale:
            changed += (
                Deadline.objects.filter(pk__in=stale).delete()[1].get(Deadline._meta.label, 0)
            )
        for key, value in wanted.items():
            row = stored.get(key)
            if row is None:
                row = Deadline(
                    participant=participant, kind=value.kind, subject_id=value.subject_id
                )
                for field in _FIELDS:
                    setattr(row, field, getattr(value, field))
                row.computed_at = now
                row.full_clean(validate_constraints=False)
                row.save()
                changed += 1
                continue
            updates = [field for field in _FIELDS if getattr(row, field) != getattr(value, field)]
            if updates:
                for field in updates:
                    setattr(row, field, getattr(value, field))
                row.computed_at = now
                row.save(update_fields=[*updates, "computed_at"])
                changed += 1
    return changed


def deadlines_recompute_all(*, today: date | None = None) -> int:
    """Recompute every participant's deadlines (the nightly run, for the passage of time).

    One short transaction a participant, so the case pages are never blocked for long;
    participants are read in chunks of ids. Returns how many rows changed in all.
    """
    today = today or timezone.localdate()
    changed = 0
    last_id = 0
    while True:
        ids = list(
            Participant.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:RECOMPUTE_ALL_CHUNK]
        )
        if not ids:
            return changed
        for participant_id in ids:
            changed += deadlines_recompute(participant_id=participant_id, today=today)
        last_id = ids[-1]
