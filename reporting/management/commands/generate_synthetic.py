"""``manage.py generate_synthetic --participants N --seed S``: made-up cases for timing ``kpis``.

Writes straight to the tables (bulk inserts, no services, no audit rows), so it refuses to
run unless DEBUG is on or ``--force`` is given: never point it at real case data.

Timing ``kpis`` for 10,000 participants on a scratch PostgreSQL database::

    createdb -h 127.0.0.1 -U postgres cm_portal_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_portal_bench DEBUG=true
    python manage.py migrate
    python manage.py generate_synthetic --participants 10000 --seed 1
    time python manage.py kpis --from 2026-01-01 --to 2026-03-31 --format json > /dev/null
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal.models import Organisation
from participants.models import (
    ActivityKind,
    ActivityRecord,
    Contact,
    ContactKind,
    EntryPath,
    Gender,
    Participant,
)
from plans.models import (
    CoordinationMeeting,
    CrisisPlan,
    IndividualPlan,
    MeetingStatus,
    PrioritisedContact,
    PrioritisedContactStatus,
    RatingPhase,
    ResponsibilityLink,
    SelfRating,
)

SYNTHETIC_SLUG = "synthetic"
BATCH = 2000
FIRST_START = date(2024, 1, 1)


class Command(BaseCommand):
    help = "Bulk-create synthetic participants with plans, contacts and ratings (never production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "This writes made-up cases into the database: run it with DEBUG on, "
                    "or give --force if this really is not a production database."
                )
            )
        count = options["participants"]
        if count < 1:
            raise CommandError(_("--participants must be at least 1."))
        if Participant.objects.filter(
            organisation__slug=SYNTHETIC_SLUG, reference__startswith=f"S{options['seed']}-"
        ).exists():
            raise CommandError(
                _("Seed %(seed)s was used already in this database: give another --seed.")
                % {"seed": options["seed"]}
            )
        with transaction.atomic():
            made = generate(count=count, seed=options["seed"])
        self.stdout.write(f"Created {made} synthetic participants (seed {options['seed']}).")


def _at_most(day: date, today: date) -> date:
    return min(day, today)


def generate(*, count: int, seed: int) -> int:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    today = timezone.localdate()
    organisation, _created = Organisation.objects.get_or_create(
        slug=SYNTHETIC_SLUG,
        defaults={"name": "Synthetic data", "kind": Organisation.Kind.CIVIL_SOCIETY},
    )
    span = (today - FIRST_START).days
    genders = [Gender.WOMAN, Gender.MAN, Gender.NON_BINARY, Gender.NOT_STATED]
    participants = []
    for number in range(count):
        start = FIRST_START + timedelta(days=rng.randrange(span))
        end = None
        if rng.random() < 0.4:
            end = start + timedelta(days=rng.randint(20, 300))
            end = end if end <= today else None
        participants.append(
            Participant(
                organisation=organisation,
                reference=f"S{seed}-{number:07d}",
                birth_year=start.year - rng.randint(17, 31),
                gender=rng.choices(genders, weights=[45, 45, 5, 5])[0],
                entry_path=rng.choice(list(EntryPath.values)),
                crisis_relevant=rng.random() < 0.3,
                intervention_start=start,
                intervention_end=end,
                end_reason="synthetic" if end else "",
            )
        )
    participants = Participant.objects.bulk_create(participants, batch_size=BATCH)

    plans, crisis_plans, prioritised, ratings, contacts, meetings = [], [], [], [], [], []
    for person in participants:
        start, last = person.intervention_start, person.intervention_end or today
        if rng.random() < 0.85:
            established = start + timedelta(days=rng.randint(10, 80))
            plans.append(
                IndividualPlan(
                    participant=person,
                    established_on=established if established <= last else None,
                )
            )
        if person.crisis_relevant and rng.random() < 0.7:
            established = start + timedelta(days=rng.randint(10, 90))
            crisis_plans.append(
                CrisisPlan(
                    participant=person,
                    established_on=established if established <= last else None,
                )
            )
        for _number in range(rng.randint(0, 3)):
            planned = start + timedelta(days=rng.randint(7, 100))
            status, completed = PrioritisedContactStatus.PLANNED, None
            roll = rng.random()
            if roll < 0.1:
                status = PrioritisedContactStatus.CANCELLED
            elif roll < 0.7 and planned <= last:
                completed = _at_most(planned + timedelta(days=rng.randint(0, 20)), last)
                status = PrioritisedContactStatus.COMPLETED
            prioritised.append(
                PrioritisedContact(
                    participant=person,
                    actor_kind="healthcare",
                    actor="Synthetic actor",
                    planned_on=planned,
                    status=status,
                    completed_on=completed,
                )
            )
        if rng.random() < 0.8:
            ratings.append(_rating(rng, person, RatingPhase.BASELINE, start, last))
        if person.intervention_end and rng.random() < 0.7:
            ratings.append(_rating(rng, person, RatingPhase.FOLLOW_UP, last, last))
        for _number in range(rng.randint(0, 12)):
            contacts.append(
                Contact(
                    participant=person,
                    date=start + timedelta(days=rng.randint(0, (last - start).days)),
                    kind=rng.choice(list(ContactKind.values)),
                    duration_minutes=rng.choice([15, 30, 45, 60, 90]),
                )
            )
        for _number in range(rng.choices([0, 1, 2], weights=[60, 30, 10])[0]):
            meeting_on = start + timedelta(days=rng.randint(14, 120))
            held = meeting_on <= last
            meetings.append(
                CoordinationMeeting(
                    participant=person,
                    meeting_on=meeting_on,
                    status=MeetingStatus.HELD if held else MeetingStatus.PLANNED,
                    invitation_sent_on=meeting_on - timedelta(days=rng.randint(5, 25)),
                )
            )
    IndividualPlan.objects.bulk_create(plans, batch_size=BATCH)
    crisis_plans = CrisisPlan.objects.bulk_create(crisis_plans, batch_size=BATCH)
    ResponsibilityLink.objects.bulk_create(
        [
            ResponsibilityLink(crisis_plan=plan, order=1, who="Synthetic", how_to_reach="Phone")
            for plan in crisis_plans
            if plan.established_on is not None
        ],
        batch_size=BATCH,
    )
    PrioritisedContact.objects.bulk_create(prioritised, batch_size=BATCH)
    SelfRating.objects.bulk_create(ratings, batch_size=BATCH)
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    CoordinationMeeting.objects.bulk_create(meetings, batch_size=BATCH)
    ActivityRecord.objects.bulk_create(
        [_activity(rng, organisation, span) for _number in range(max(10, count // 20))],
        batch_size=BATCH,
    )
    return len(participants)


def _rating(rng: random.Random, person, phase: str, day: date, last: date) -> SelfRating:
    rated_on = _at_most(day + timedelta(days=rng.randint(0, 20)), last)
    return SelfRating(
        participant=person,
        phase=phase,
        rated_on=rated_on,
        ucla_1=rng.randint(1, 3),
        ucla_2=rng.randint(1, 3),
        ucla_3=rng.randint(1, 3),
        participation=rng.randint(1, 5),
    )


def _activity(rng: random.Random, organisation: Organisation, span: int) -> ActivityRecord:
    reached = rng.randint(1, 40)
    return ActivityRecord(
        organisation=organisation,
        kind=rng.choice(list(ActivityKind.values)),
        date=FIRST_START + timedelta(days=rng.randrange(span)),
        duration_minutes=rng.choice([60, 90, 120, 180]),
        people_reached=reached,
        first_time_visitors=rng.randint(0, reached),
    )
