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
  booked later than the programme's invitation days ahead has its window open on the due date
  (not after it).
- Intern-SIP asked for (one a request, seed 004 step 1): the window opens on the day the
  participant asked, due the programme's ``asked_for_hold_days`` later; met by the first
  Intern-SIP held on or after that day (``met_on`` its date).
- follow-up meeting (one a held meeting with a follow-up date): the window opens the
  programme's ``follow_up_window_days`` before the date; met when a meeting booked as its
  follow-up is held (``met_on`` its date).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min, prefetch_related_objects
from django.utils import timezone

from consent.models import Consent, ConsentParty
from participants.models import Participant

from ..deadlines import (
    asked_for_due,
    baseline_rating_due,
    crisis_plan_deadline,
    follow_up_window_opens,
    horizon_date,
    horizon_window_opens,
    invitation_due,
    plan_deadline,
    plan_window_opens,
)
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


@dataclass(frozen=True)
class _ConsentFacts:
    pk: int
    signed_on: date
    valid_until: date | None
    withdrawn_on: date | None
    organisations: frozenset[int | None]


# The meeting's columns the facts are made of (on one participant's path and on the nightly).
MEETING_FACTS = (
    "meeting_on",
    "invitation_sent_on",
    "status",
    "created_at",
    "kind",
    "follow_up_on",
    "follow_up_of_id",
)


@dataclass(frozen=True)
class _MeetingFacts:
    pk: int
    meeting_on: date
    invitation_sent_on: date | None
    cancelled: bool
    booked_on: date
    kind: str
    held: bool
    follow_up_on: date | None
    follow_up_of: int | None


@dataclass
class _CaseFacts:
    """What the deadline rules read about one participant, loaded by ``_facts_of_one`` (one
    participant, the write path) or ``_facts_of_many`` (a chunk, the nightly run)."""

    plan_established_on: date | None = None
    # Established, with at least one link in the chain of responsibility (K5).
    crisis_plan_established_on: date | None = None
    # (planned_on, status, completed_on) of every prioritised contact not cancelled.
    contacts: list[tuple[date, str, date | None]] = field(default_factory=list)
    baseline_on: date | None = None
    consents: list[_ConsentFacts] = field(default_factory=list)  # by signing date, then id
    meetings: list[_MeetingFacts] = field(default_factory=list)  # by id
    # (offer pk, offered on) of each Intern-SIP the participant asked for, by id.
    asked_for: list[tuple[int, date]] = field(default_factory=list)


def _three_months_met_on(
    contacts: list[tuple[date, str, date | None]], d3: date, today: date
) -> date | None:
    due = [
        (planned_on, status, completed_on)
        for planned_on, status, completed_on in contacts
        if planned_on <= d3 or (completed_on and completed_on <= d3)
    ]
    completions = [
        completed_on
        for _planned_on, status, completed_on in due
        if status == PrioritisedContactStatus.COMPLETED
        and completed_on is not None
        and completed_on <= today
    ]
    if not due or len(completions) != len(due):
        return None
    return max(completions)


def _consent_values(
    participant: Participant, consents: list[_ConsentFacts], today: date
) -> Iterator[DeadlineValue]:
    for consent in consents:
        if consent.valid_until is None:
            continue
        renewals = [
            later.signed_on
            for later in consents
            if later.signed_on > consent.signed_on
            and later.withdrawn_on is None
            and later.organisations >= (consent.organisations - {None})
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


def _meeting_values(
    participant: Participant, meetings: list[_MeetingFacts], today: date
) -> Iterator[DeadlineValue]:
    for meeting in meetings:
        due_on = invitation_due(participant, meeting.meeting_on)
        yield _value(
            participant,
            kind=DeadlineKind.MEETING_INVITATION,
            subject_id=meeting.pk,
            window_opens=min(meeting.booked_on, due_on),
            due_on=due_on,
            met_on=meeting.invitation_sent_on,
            cancelled=meeting.cancelled,
            today=today,
        )


def _asked_for_values(
    participant: Participant, facts: _CaseFacts, today: date
) -> Iterator[DeadlineValue]:
    held = sorted(
        meeting.meeting_on
        for meeting in facts.meetings
        if meeting.held and meeting.kind == MeetingKind.INTERN_SIP
    )
    for offer_pk, offered_on in facts.asked_for:
        yield _value(
            participant,
            kind=DeadlineKind.MEETING_ASKED_FOR,
            subject_id=offer_pk,
            window_opens=offered_on,
            due_on=asked_for_due(participant, offered_on),
            met_on=next((day for day in held if day >= offered_on), None),
            today=today,
        )


def _follow_up_values(
    participant: Participant, meetings: list[_MeetingFacts], today: date
) -> Iterator[DeadlineValue]:
    held_follow_ups: dict[int, list[date]] = defaultdict(list)
    for meeting in meetings:
        if meeting.held and meeting.follow_up_of is not None:
            held_follow_ups[meeting.follow_up_of].append(meeting.meeting_on)
    for meeting in meetings:
        if not meeting.held or meeting.follow_up_on is None:
            continue
        yield _value(
            participant,
            kind=DeadlineKind.MEETING_FOLLOW_UP,
            subject_id=meeting.pk,
            window_opens=follow_up_window_opens(participant, meeting.follow_up_on),
            due_on=meeting.follow_up_on,
            met_on=min(held_follow_ups.get(meeting.pk, []), default=None),
            today=today,
        )


def _values(participant: Participant, facts: _CaseFacts, *, today: date) -> list[DeadlineValue]:
    """Every deadline of the table in docs/kpis.md, from the facts (the rules, written once)."""
    # The case's own deadlines, as (kind, window opens, due on, met on). Each belongs to a
    # goal of the participant's programme: without it, none.
    case_wide: list[tuple[str, date, date, date | None]] = []
    d2_window = plan_window_opens(participant)
    if (d2 := plan_deadline(participant)) is not None:
        case_wide.append((DeadlineKind.PLAN, d2_window, d2, facts.plan_established_on))
    if participant.crisis_relevant and (d5 := crisis_plan_deadline(participant)) is not None:
        case_wide.append(
            (DeadlineKind.CRISIS_PLAN, d2_window, d5, facts.crisis_plan_established_on)
        )
    if (d3 := horizon_date(participant)) is not None:
        d3_met_on = _three_months_met_on(facts.contacts, d3, today)
        case_wide.append(
            (DeadlineKind.THREE_MONTHS, horizon_window_opens(participant, d3), d3, d3_met_on)
        )
    start = participant.intervention_start
    case_wide.append(
        (DeadlineKind.BASELINE_RATING, start, baseline_rating_due(participant), facts.baseline_on)
    )
    values = [
        _value(
            participant, kind=kind, window_opens=opens, due_on=due_on, met_on=met_on, today=today
        )
        for kind, opens, due_on, met_on in case_wide
    ]
    values.extend(_consent_values(participant, facts.consents, today))
    values.extend(_meeting_values(participant, facts.meetings, today))
    values.extend(_asked_for_values(participant, facts, today))
    values.extend(_follow_up_values(participant, facts.meetings, today))
    return values


def _facts_of_one(participant: Participant) -> _CaseFacts:
    """The facts of one participant, a query a kind (the write path)."""
    crisis = (
        CrisisPlan.objects.filter(participant=participant)
        .annotate(links=Count("chain"))
        .values("established_on", "links")
        .first()
    )
    consents = list(
        Consent.objects.filter(participant=participant)
        .prefetch_related("parties")
        .order_by("signed_on", "id")
    )
    meetings = CoordinationMeeting.objects.filter(participant=participant).only(*MEETING_FACTS)
    return _CaseFacts(
        plan_established_on=IndividualPlan.objects.filter(participant=participant)
        .values_list("established_on", flat=True)
        .first(),
        crisis_plan_established_on=crisis["established_on"]
        if crisis is not None and crisis["links"]
        else None,
        contacts=[
            (contact.planned_on, contact.status, contact.completed_on)
            for contact in PrioritisedContact.objects.filter(participant=participant)
            .exclude(status=PrioritisedContactStatus.CANCELLED)
            .only("planned_on", "status", "completed_on")
        ],
        baseline_on=SelfRating.objects.filter(participant=participant, phase=RatingPhase.BASELINE)
        .order_by("rated_on")
        .values_list("rated_on", flat=True)
        .first(),
        consents=[
            _ConsentFacts(
                pk=consent.pk,
                signed_on=consent.signed_on,
                valid_until=consent.valid_until,
                withdrawn_on=consent.withdrawn_on,
                organisations=frozenset(party.organisation_id for party in consent.parties.all()),
            )
            for consent in consents
        ],
        meetings=[
            _MeetingFacts(
                pk=meeting.pk,
                meeting_on=meeting.meeting_on,
                invitation_sent_on=meeting.invitation_sent_on,
                cancelled=meeting.status == MeetingStatus.CANCELLED,
                booked_on=timezone.localdate(meeting.created_at),
                kind=meeting.kind,
                held=meeting.status == MeetingStatus.HELD,
                follow_up_on=meeting.follow_up_on,
                follow_up_of=meeting.follow_up_of_id,
            )
            for meeting in meetings.order_by("id")
        ],
        asked_for=list(
            MeetingOffer.objects.filter(participant=participant, answer=OfferAnswer.ASKED_FOR)
            .order_by("id")
            .values_list("id", "offered_on")
        ),
    )


def _facts_of_many(ids: list[int]) -> dict[int, _CaseFacts]:
    """The facts of many participants at once: one query a kind for the whole chunk."""
    facts = {pk: _CaseFacts() for pk in ids}
    plans = IndividualPlan.objects.filter(participant_id__in=ids)
    for pk, established_on in plans.values_list("participant_id", "established_on"):
        facts[pk].plan_established_on = established_on
    crisis_plans = (
        CrisisPlan.objects.filter(participant_id__in=ids)
        .annotate(links=Count("chain"))
        .values_list("participant_id", "established_on", "links")
    )
    for pk, established_on, links in crisis_plans:
        facts[pk].crisis_plan_established_on = established_on if links else None
    contacts = (
        PrioritisedContact.objects.filter(participant_id__in=ids)
        .exclude(status=PrioritisedContactStatus.CANCELLED)
        .order_by()
        .values_list("participant_id", "planned_on", "status", "completed_on")
    )
    for pk, planned_on, status, completed_on in contacts:
        facts[pk].contacts.append((planned_on, status, completed_on))
    baselines = (
        SelfRating.objects.filter(participant_id__in=ids, phase=RatingPhase.BASELINE)
        .order_by()
        .values("participant_id")
        .annotate(first=Min("rated_on"))
        .values_list("participant_id", "first")
    )
    for pk, first in baselines:
        facts[pk].baseline_on = first
    organisations: dict[int, set[int | None]] = defaultdict(set)
    parties = ConsentParty.objects.filter(consent__participant_id__in=ids).order_by()
    for consent_pk, organisation_pk in parties.values_list("consent_id", "organisation_id"):
        organisations[consent_pk].add(organisation_pk)
    consents = (
        Consent.objects.filter(participant_id__in=ids)
        .order_by("signed_on", "id")
        .values_list("id", "participant_id", "signed_on", "valid_until", "withdrawn_on")
    )
    for consent_pk, pk, signed_on, valid_until, withdrawn_on in consents:
        facts[pk].consents.append(
            _ConsentFacts(
                pk=consent_pk,
                signed_on=signed_on,
                valid_until=valid_until,
                withdrawn_on=withdrawn_on,
                organisations=frozenset(organisations.get(consent_pk, ())),
            )
        )
    meetings = (
        CoordinationMeeting.objects.filter(participant_id__in=ids)
        .order_by("id")
        .values_list("id", "participant_id", *MEETING_FACTS)
    )
    for row in meetings:
        meeting_pk, pk, meeting_on, sent_on, status, created_at, kind, follow_up_on, of = row
        facts[pk].meetings.append(
            _MeetingFacts(
                pk=meeting_pk,
                meeting_on=meeting_on,
                invitation_sent_on=sent_on,
                cancelled=status == MeetingStatus.CANCELLED,
                booked_on=timezone.localdate(created_at),
                kind=kind,
                held=status == MeetingStatus.HELD,
                follow_up_on=follow_up_on,
                follow_up_of=of,
            )
        )
    offers = (
        MeetingOffer.objects.filter(participant_id__in=ids, answer=OfferAnswer.ASKED_FOR)
        .order_by("id")
        .values_list("id", "participant_id", "offered_on")
    )
    for offer_pk, pk, offered_on in offers:
        facts[pk].asked_for.append((offer_pk, offered_on))
    return facts


def deadlines_for(participant: Participant, *, today: date) -> list[DeadlineValue]:
    """Every deadline of the table in docs/kpis.md for this participant, with its state as of
    ``today``. Reads only; ``deadlines_recompute`` stores the result."""
    return _values(participant, _facts_of_one(participant), today=today)


def deadlines_for_many(
    participants: list[Participant], *, today: date
) -> dict[int, list[DeadlineValue]]:
    """``deadlines_for`` of each participant, read with one query a kind for them all."""
    facts = _facts_of_many([participant.pk for participant in participants])
    # Their programmes' goals decide the deadlines: two queries for the chunk.
    prefetch_related_objects(participants, "programme__goals")
    return {
        participant.pk: _values(participant, facts[participant.pk], today=today)
        for participant in participants
    }


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

    Set-based: participants are taken in chunks of ids, each chunk in one short transaction
    with its participant rows locked (so a write path's ``deadlines_recompute`` of one of them
    waits its turn, and runs after with the newest data), its facts read with one query a
    kind and its rows created, updated and deleted in bulk. The rows and the count are those
    of ``deadlines_recompute`` run for each participant in turn. Returns how many rows changed.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    changed = 0
    last_id = 0
    while True:
        with transaction.atomic():
            participants = list(
                Participant.objects.select_for_update()
                .filter(pk__gt=last_id)
                .order_by("pk")
                .only(
                    "id",
                    "programme_id",
                    "intervention_start",
                    "intervention_end",
                    "crisis_relevant",
                )[:RECOMPUTE_ALL_CHUNK]
            )
            if not participants:
                return changed
            changed += _store_many(participants, today=today, now=now)
        last_id = participants[-1].pk


def _store_many(participants: list[Participant], *, today: date, now: datetime) -> int:
    wanted_by_participant = deadlines_for_many(participants, today=today)
    stored: dict[int, dict[tuple[str, int], Deadline]] = defaultdict(dict)
    rows = Deadline.objects.filter(participant_id__in=list(wanted_by_participant)).only(
        "id", "participant_id", "kind", "subject_id", *_FIELDS
    )
    for row in rows.order_by():
        stored[row.participant_id][(row.kind, row.subject_id)] = row
    created: list[Deadline] = []
    updated: list[Deadline] = []
    stale: list[int] = []
    for participant_id, values in wanted_by_participant.items():
        held = stored.get(participant_id, {})
        wanted = {value.key: value for value in values}
        stale += [row.pk for key, row in held.items() if key not in wanted]
        for key, value in wanted.items():
            found = held.get(key)
            if found is None:
                row = Deadline(
                    participant_id=participant_id, kind=value.kind, subject_id=value.subject_id
                )
                created.append(row)
            elif all(getattr(found, name) == getattr(value, name) for name in _FIELDS):
                continue
            else:
                row = found
                updated.append(row)
            for name in _FIELDS:
                setattr(row, name, getattr(value, name))
            row.computed_at = now
    deleted = 0
    if stale:
        deleted = Deadline.objects.filter(pk__in=stale).delete()[1].get(Deadline._meta.label, 0)
    Deadline.objects.bulk_create(created, batch_size=1000)
    Deadline.objects.bulk_update(updated, [*_FIELDS, "computed_at"], batch_size=500)
    return deleted + len(created) + len(updated)
