"""``manage.py seed_synthetic --participants N [--seed S] [--force]``: made-up cases at scale.

Writes straight to the tables (bulk inserts and COPY, no services, no audit rows), so it refuses
to run unless DEBUG is on or ``--force`` is given: never point it at real case data. It also
refuses when synthetic data is there already (participants whose reference starts ``SYN-``).

Two organisations (``district`` and ``hela-manniskan``, made if missing), 200 case managers and
one team lead per organisation (unusable passwords), every participant assigned to one case
manager (guardian rows), about 50 contacts each, plans with goals, sub-goals and contact paths,
prioritised contacts, consents with parties, ratings, crisis plans with their chain, meetings,
activity records and the stored deadlines.

Dates: the data is deterministic for a seed. Every date is relative to ``--anchor`` (default
six months after the programme's first day, a fixed day, not today), and no event lies after
it. The stored deadlines are
computed as of the anchor day as well, so they look realistic as long as the anchor is close to
today; the nightly ``deadlines_recompute_all`` moves their states on as time passes. ``make bench``
uses this command.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from cm_portal.models import Organisation, Role, User
from cm_portal.programmes.models import Programme
from consent.models import Consent, ConsentParty, SignedBy
from participants.models import (
    ActivityKind,
    ActivityRecord,
    Contact,
    ContactKind,
    EndReason,
    EntryPath,
    Gender,
    Participant,
    ParticipantUserObjectPermission,
)
from plans.deadlines import add_months
from plans.models import (
    ContactPath,
    CoordinationMeeting,
    CrisisPlan,
    Deadline,
    Goal,
    IndividualPlan,
    MeetingStatus,
    PrioritisedContact,
    PrioritisedContactStatus,
    RatingPhase,
    ResponsibilityLink,
    SelfRating,
    SubGoal,
)
from plans.services.deadlines import deadlines_for_many

PREFIX = "SYN-"
BATCH = 5000
CONTACTS_PER_COPY = 200_000
FIRST_START = date(2024, 1, 1)
# The default anchor: this many months after the programme's first day.
ANCHOR_MONTHS = 6
CASE_MANAGERS = 200
END_REASONS = tuple(EndReason.values)
ORGANISATIONS = (
    ("hela-manniskan", "Hela Människan", Organisation.Kind.CIVIL_SOCIETY),
    ("district", "Hägersten-Älvsjö stadsdelsförvaltning", Organisation.Kind.PUBLIC_AUTHORITY),
)


class Command(BaseCommand):
    help = "Bulk-create synthetic participants with staff, plans, contacts and ratings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--contacts", type=int, default=50, help="Contacts per participant.")
        parser.add_argument(
            "--anchor",
            type=date.fromisoformat,
            default=None,
            help="The day the data runs up to (default: six months into the programme).",
        )
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
        if synthetic_exists():
            raise CommandError(
                _(
                    "This database holds synthetic data already: "
                    "seed a fresh database (make bench drops and recreates its own)."
                )
            )
        began = time.monotonic()
        with transaction.atomic():
            counts = generate(
                count=count,
                seed=options["seed"],
                contacts=options["contacts"],
                anchor=options["anchor"],
            )
        if connection.vendor == "postgresql":
            # Fresh statistics, as a database in use has: without them the planner guesses
            # a thousand participants and picks poor plans.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for label, number in counts.items():
            self.stdout.write(f"{label:<24} {number:>9}")
        self.stdout.write(f"Seeded in {time.monotonic() - began:.1f} s (seed {options['seed']}).")


def synthetic_exists() -> bool:
    return Participant.objects.filter(reference__startswith=PREFIX).exists()


def _at_most(day: date, today: date) -> date:
    return min(day, today)


def _staff(organisation: Organisation, seed: int) -> tuple[list[User], User]:
    slug = organisation.slug
    users = [
        User(
            email=f"syn{seed}-cm{number:03d}@{slug}.example.org",
            name=f"Synthetic case manager {number}",
            organisation=organisation,
            role=Role.CASE_MANAGER,
        )
        for number in range(CASE_MANAGERS)
    ]
    users.append(
        User(
            email=f"syn{seed}-lead@{slug}.example.org",
            name="Synthetic team lead",
            organisation=organisation,
            role=Role.TEAM_LEAD,
        )
    )
    for user in users:
        user.set_unusable_password()
    users = User.objects.bulk_create(users, batch_size=BATCH)
    return users[:-1], users[-1]


def _copy_contacts(rows: list[tuple]) -> None:
    """COPY is several times faster than INSERT for the half million contacts."""
    columns = "participant_id, date, kind, duration_minutes, counterpart, note, created_at"
    table = Contact._meta.db_table
    if connection.vendor != "postgresql":
        Contact.objects.bulk_create(
            [
                Contact(participant_id=r[0], date=r[1], kind=r[2], duration_minutes=r[3])
                for r in rows
            ],
            batch_size=BATCH,
        )
        return
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _programme() -> Programme:
    """The installation's only programme, which the synthetic participants are enrolled in."""
    programmes = list(Programme.objects.all()[:2])
    if len(programmes) != 1:
        raise CommandError(
            _("Synthetic participants go into the installation's only programme: it has %(n)d.")
            % {"n": Programme.objects.count()}
        )
    return programmes[0]


def default_anchor(programme: Programme) -> date:
    """Half a year into the programme: a fixed day, so the data is the same every day."""
    return add_months(programme.start, ANCHOR_MONTHS)


def generate(
    *,
    count: int,
    seed: int,
    contacts: int = 50,
    anchor: date | None = None,
    programme: Programme | None = None,
) -> dict[str, int]:
    """Create ``count`` synthetic participants and everything around them, enrolled in
    ``programme`` (by default the installation's only one), up to ``anchor`` (by default
    ``default_anchor``); return the counts."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    programme = programme or _programme()
    today = anchor or default_anchor(programme)
    span = (today - FIRST_START).days
    # Every participant's deadlines read the programme's goals: read them once.
    prefetch_related_objects([programme], "goals")
    organisations = []
    for slug, name, kind in ORGANISATIONS:
        organisation, _created = Organisation.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind}
        )
        programme.organisations.add(organisation)
        organisations.append(organisation)
    staff = {org.pk: _staff(org, seed) for org in organisations}
    genders = [Gender.WOMAN, Gender.MAN, Gender.NON_BINARY, Gender.NOT_STATED]
    participants, assigned = [], []
    for number in range(count):
        organisation = organisations[number % 2]
        start = FIRST_START + timedelta(days=rng.randrange(span))
        end = None
        if rng.random() < 0.4:
            end = start + timedelta(days=rng.randint(20, 300))
            end = end if end <= today else None
        # The first 40 of each organisation go to its first case manager (the bench's
        # "case manager with 40 participants"); the rest in turn to the other 199.
        index = number // 2
        managers = staff[organisation.pk][0]
        manager = managers[0] if index < 40 else managers[1 + (index - 40) % (len(managers) - 1)]
        assigned.append(manager)
        participants.append(
            Participant(
                organisation=organisation,
                programme=programme,
                reference=f"{PREFIX}{seed}-{number:06d}",
                birth_year=start.year - rng.randint(17, 31),
                gender=rng.choices(genders, weights=[45, 45, 5, 5])[0],
                entry_path=rng.choice(list(EntryPath.values)),
                crisis_relevant=rng.random() < 0.3,
                intervention_start=start,
                intervention_end=end,
                # Every reason in turn (drawn without the generator: the figures stay).
                end_reason_code=END_REASONS[number % len(END_REASONS)] if end else "",
                end_reason="synthetic" if end else "",
                created_at=_moment(start),
                created_by=manager,
            )
        )
    participants = Participant.objects.bulk_create(participants, batch_size=BATCH)
    permission = Permission.objects.get(
        codename="change_participant", content_type__app_label="participants"
    )
    ParticipantUserObjectPermission.objects.bulk_create(
        [
            ParticipantUserObjectPermission(
                content_object=person, user=manager, permission=permission
            )
            for person, manager in zip(participants, assigned, strict=True)
        ],
        batch_size=BATCH,
    )

    plans, crisis_plans, prioritised, ratings, meetings, consents = [], [], [], [], [], []
    contact_rows: list[tuple] = []
    contacts_copied = 0
    kinds = list(ContactKind.values)
    for person, manager in zip(participants, assigned, strict=True):
        start, last = person.intervention_start, person.intervention_end or today
        if rng.random() < 0.85:
            plans.append(_plan(IndividualPlan, rng, person, within_days=80, last=last))
        if person.crisis_relevant and rng.random() < 0.7:
            crisis_plans.append(_plan(CrisisPlan, rng, person, within_days=90, last=last))
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
        if rng.random() < 0.9:
            consents.append(
                Consent(
                    participant=person,
                    purpose="Synthetic consent",
                    signed_on=start,
                    signed_by=SignedBy.PARTICIPANT,
                    valid_until=start + timedelta(days=365),
                    recorded_by=manager,
                    recorded_at=_moment(start),
                )
            )
        days = (last - start).days
        for _number in range(rng.randint(contacts * 4 // 5, contacts * 6 // 5)):
            day = start + timedelta(days=rng.randint(0, days))
            contact_rows.append(
                (
                    person.pk,
                    day,
                    rng.choice(kinds),
                    rng.choice([15, 30, 45, 60, 90]),
                    "",
                    "",
                    _moment(day),
                )
            )
        if len(contact_rows) >= CONTACTS_PER_COPY:
            # Five million contacts would not fit in memory at once: COPY them as they come.
            _copy_contacts(contact_rows)
            contacts_copied += len(contact_rows)
            contact_rows.clear()
        for _number in range(rng.choices([0, 1, 2], weights=[60, 30, 10])[0]):
            # Booked no sooner than the invitation needs (the programme's days ahead).
            earliest = programme.invitation_days_ahead
            meeting_on = start + timedelta(days=rng.randint(earliest, 120))
            held = meeting_on <= last
            meetings.append(
                CoordinationMeeting(
                    participant=person,
                    meeting_on=meeting_on,
                    status=MeetingStatus.HELD if held else MeetingStatus.PLANNED,
                    invitation_sent_on=_at_most(
                        max(start, meeting_on - timedelta(days=rng.randint(5, 25))), today
                    ),
                )
            )
    plans = IndividualPlan.objects.bulk_create(plans, batch_size=BATCH)
    goals = Goal.objects.bulk_create(
        [
            Goal(plan=plan, position=position, title=f"Synthetic goal {position + 1}")
            for plan in plans
            for position in range(rng.randint(1, 3))
        ],
        batch_size=BATCH,
    )
    sub_goals = SubGoal.objects.bulk_create(
        [
            SubGoal(goal=goal, position=position, title=f"Synthetic step {position + 1}")
            for goal in goals
            for position in range(rng.randint(1, 3))
        ],
        batch_size=BATCH,
    )
    paths = ContactPath.objects.bulk_create(
        [
            ContactPath(plan=plan, position=position, actor="Synthetic actor", how="Phone")
            for plan in plans
            for position in range(rng.randint(0, 2))
        ],
        batch_size=BATCH,
    )
    crisis_plans = CrisisPlan.objects.bulk_create(crisis_plans, batch_size=BATCH)
    links = ResponsibilityLink.objects.bulk_create(
        [
            ResponsibilityLink(crisis_plan=plan, order=order, who="Synthetic", how_to_reach="Phone")
            for plan in crisis_plans
            if plan.established_on is not None
            for order in (1, 2)
        ],
        batch_size=BATCH,
    )
    PrioritisedContact.objects.bulk_create(prioritised, batch_size=BATCH)
    SelfRating.objects.bulk_create(ratings, batch_size=BATCH)
    consents = Consent.objects.bulk_create(consents, batch_size=BATCH)
    parties = ConsentParty.objects.bulk_create(
        [ConsentParty(consent=consent, external_name="Synthetic clinic") for consent in consents],
        batch_size=BATCH,
    )
    _copy_contacts(contact_rows)
    contacts_copied += len(contact_rows)
    CoordinationMeeting.objects.bulk_create(meetings, batch_size=BATCH)
    activities = ActivityRecord.objects.bulk_create(
        [
            _activity(rng, organisations[number % 2], programme, span)
            for number in range(max(10, count // 20))
        ],
        batch_size=BATCH,
    )
    deadlines = _deadlines(participants, today)
    return {
        "organisations": len(organisations),
        "staff": sum(len(managers) + 1 for managers, _lead in staff.values()),
        "participants": len(participants),
        "contacts": contacts_copied,
        "plans": len(plans),
        "goals": len(goals),
        "sub-goals": len(sub_goals),
        "contact paths": len(paths),
        "crisis plans": len(crisis_plans),
        "responsibility links": len(links),
        "prioritised contacts": len(prioritised),
        "ratings": len(ratings),
        "consents": len(consents),
        "consent parties": len(parties),
        "meetings": len(meetings),
        "activity records": len(activities),
        "deadlines": deadlines,
    }


def _deadlines(participants: list[Participant], today: date) -> int:
    """The stored deadlines of ongoing participants, as of ``today`` (the anchor day)."""
    now = _moment(today)
    ongoing = [person for person in participants if person.intervention_end is None]
    written = 0
    # The nightly run's reads (one query a kind for a chunk), not ten queries a participant.
    for first in range(0, len(ongoing), BATCH):
        chunk = ongoing[first : first + BATCH]
        rows = [
            Deadline(
                participant_id=pk,
                kind=value.kind,
                subject_id=value.subject_id,
                window_opens=value.window_opens,
                due_on=value.due_on,
                state=value.state,
                met_on=value.met_on,
                computed_at=now,
            )
            for pk, values in deadlines_for_many(chunk, today=today).items()
            for value in values
        ]
        Deadline.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return written


def _moment(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time().replace(hour=12), tzinfo=UTC)


def _plan[P: (IndividualPlan, CrisisPlan)](
    model: type[P], rng: random.Random, person, *, within_days: int, last: date
) -> P:
    """A plan or crisis plan agreed 10 to ``within_days`` days after the start (unless that
    is after ``last``: not yet established)."""
    start = person.intervention_start
    established = start + timedelta(days=rng.randint(10, within_days))
    return model(
        participant=person,
        established_on=established if established <= last else None,
        updated_at=_moment(start),
    )


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


def _activity(
    rng: random.Random, organisation: Organisation, programme: Programme, span: int
) -> ActivityRecord:
    reached = rng.randint(1, 40)
    return ActivityRecord(
        organisation=organisation,
        programme=programme,
        kind=rng.choice(list(ActivityKind.values)),
        date=FIRST_START + timedelta(days=rng.randrange(span)),
        duration_minutes=rng.choice([60, 90, 120, 180]),
        people_reached=reached,
        first_time_visitors=rng.randint(0, reached),
    )
