"""The nightly recompute is set-based (one query a kind for a chunk of participants), and
stores exactly the rows, and counts exactly the changes, of the per-participant loop it
replaced: ``deadlines_recompute`` run for each participant in turn, on the same data."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.db import transaction

from consent.models import Consent, ConsentParty, SignedBy
from participants.models import Participant
from plans.models import (
    CoordinationMeeting,
    Deadline,
    DeadlineKind,
    DeadlineState,
    MeetingStatus,
    ResponsibilityLink,
)
from plans.services import deadlines
from plans.services.deadlines import deadlines_recompute, deadlines_recompute_all
from reporting.management.commands.seed_synthetic import generate

pytestmark = pytest.mark.django_db

ANCHOR = date(2026, 11, 1)


class _Undo(Exception):
    """Rolls the loop's run back, so that the set-based run starts from the same data."""


def _loop(today: date) -> int:
    """The nightly run as it was: one ``deadlines_recompute`` a participant."""
    ids = Participant.objects.order_by("pk").values_list("pk", flat=True)
    return sum(deadlines_recompute(participant_id=pk, today=today) for pk in ids)


def _rows() -> list[tuple]:
    return sorted(
        Deadline.objects.values_list(
            "participant_id", "kind", "subject_id", "window_opens", "due_on", "state", "met_on"
        )
    )


def _vary(rng: random.Random, organisations: list[int]) -> None:
    """What the synthetic data lacks: renewals naming organisations, withdrawals, cancelled
    and uninvited meetings, crisis plans without a chain, and stored rows gone wrong."""
    people = list(Participant.objects.select_related("created_by").order_by("pk"))
    for person in rng.sample(people, len(people) // 3):
        first = Consent.objects.filter(participant=person).first()
        parties = rng.sample(organisations, rng.randint(0, len(organisations)))
        later = Consent.objects.create(
            participant=person,
            purpose="Renewal",
            signed_on=person.intervention_start + timedelta(days=rng.randint(-5, 400)),
            signed_by=SignedBy.PARTICIPANT,
            valid_until=rng.choice([None, ANCHOR + timedelta(days=rng.randint(-60, 60))]),
            withdrawn_on=rng.choice([None, None, ANCHOR - timedelta(days=3)]),
            recorded_by=person.created_by,
        )
        ConsentParty.objects.bulk_create(
            [ConsentParty(consent=later, organisation_id=pk) for pk in parties]
            or [ConsentParty(consent=later, external_name="Clinic")]
        )
        if first is not None and rng.random() < 0.5:
            ConsentParty.objects.create(consent=first, organisation_id=rng.choice(organisations))
    meetings = list(CoordinationMeeting.objects.all())
    for meeting in rng.sample(meetings, len(meetings) // 2):
        meeting.status = rng.choice([MeetingStatus.CANCELLED, MeetingStatus.PLANNED])
        meeting.invitation_sent_on = rng.choice([None, meeting.invitation_sent_on])
        meeting.meeting_on = ANCHOR + timedelta(days=rng.randint(-10, 30))
        meeting.save()
    links = list(ResponsibilityLink.objects.values_list("crisis_plan_id", flat=True).distinct())
    unlinked = rng.sample(links, len(links) // 3)
    ResponsibilityLink.objects.filter(crisis_plan_id__in=unlinked).delete()
    # Stored rows to repair: missing, wrong, and one about a consent that is gone.
    stored = list(Deadline.objects.all())
    gone = [row.pk for row in rng.sample(stored, len(stored) // 5)]
    Deadline.objects.filter(pk__in=gone).delete()
    for row in rng.sample(stored, len(stored) // 5):
        Deadline.objects.filter(pk=row.pk).update(state=DeadlineState.VOID, met_on=None)
    Deadline.objects.create(
        participant=people[0],
        kind=DeadlineKind.CONSENT_RENEWAL,
        subject_id=10**9,
        window_opens=ANCHOR,
        due_on=ANCHOR,
        state=DeadlineState.OPEN,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_the_set_based_run_stores_the_rows_of_the_per_participant_loop(seed, monkeypatch):
    # Small chunks, so that a chunk boundary falls inside the data.
    monkeypatch.setattr(deadlines, "RECOMPUTE_ALL_CHUNK", 7)
    generate(count=60, seed=seed, contacts=1, anchor=ANCHOR)
    organisations = list(
        Participant.objects.values_list("organisation_id", flat=True).distinct().order_by()
    )
    _vary(random.Random(seed), organisations)

    for today in (ANCHOR, ANCHOR + timedelta(days=20), ANCHOR + timedelta(days=400)):
        before = _rows()
        try:
            with transaction.atomic():
                loop_changed = _loop(today)
                by_loop = _rows()
                raise _Undo
        except _Undo:
            pass
        assert _rows() == before  # the same data for the other way
        set_changed = deadlines_recompute_all(today=today)
        assert _rows() == by_loop
        assert set_changed == loop_changed
        assert set_changed > 0
        assert deadlines_recompute_all(today=today) == 0


def test_the_set_based_run_needs_the_same_queries_for_more_participants(
    django_assert_max_num_queries, monkeypatch
):
    """The queries grow with the number of chunks only, not with the participants."""
    monkeypatch.setattr(deadlines, "RECOMPUTE_ALL_CHUNK", 500)
    generate(count=40, seed=5, contacts=1, anchor=ANCHOR)
    Deadline.objects.all().delete()
    # Savepoints, the locked chunk, eight reads, the deadlines, the bulk writes, the next chunk.
    with django_assert_max_num_queries(20):
        assert deadlines_recompute_all(today=ANCHOR) > 40
