"""The KPI facts table never drifts from the case tables (issue 21, target 3).

Hypothesis draws sequences of writes through the services (intake, intake changes, closing
and reopening, plans and crisis plans from case files, prioritised contacts and their
changes, self-ratings, Intern-SIP offers, logged contacts and their corrections (the contacts
by month, ``reporting.contact_months``), a programme goal's new window or horizon, and
deletion by retention); refused writes are part of the sequence too. After every write
the facts must equal a recomputation from the case tables, column by column
(``reporting.facts.differences``), and the contacts by month the logged contacts; at the end
the figures counted from the facts must equal the figures counted from the case tables
(the equality view's too), for a few periods, some of whole months and some not, and
"todays".
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cm_portal.programmes.goals import GoalKind
from cm_portal.programmes.models import Programme
from cm_portal.programmes.services import programme_goal_set
from participants import services as participant_services
from participants.models import Contact, Participant
from participants.retention import delete_case
from plans.models import CrisisPlan, PrioritisedContact
from plans.services.crisis_plan import (
    crisis_plan_establish,
    crisis_plan_import,
    crisis_plan_save,
)
from plans.services.individual_plan import plan_import
from plans.services.offers import meeting_offer_record
from plans.services.prioritised_contacts import (
    prioritised_contact_create,
    prioritised_contact_update,
)
from plans.services.self_ratings import self_rating_record
from reporting import contact_months, equality, kpis, selectors
from reporting.facts import differences

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# A start within the last 200 days; the case's other dates are days after its start (not
# after today: the services refuse dates in the future), so that most writes are accepted
# and fall on either side of the deadlines.
days_ago = st.integers(min_value=0, max_value=200)
after_start = st.integers(min_value=0, max_value=120)
# Which of the sequence's participants a write is for: few, so that writes meet.
person = st.integers(min_value=0, max_value=2)
status = st.sampled_from(["planned", "completed", "cancelled"])

PLAN = {
    "goals": [{"title": "Work", "sub_goals": [{"title": "Apply", "status": "open"}]}],
    "contact_paths": [{"actor": "Clinic", "person": "Nurse", "how": "Phone", "when": "Mondays"}],
}
CHAIN = [{"who": "Ward", "how_to_reach": "Phone", "when": "Nights"}]

contact = st.tuples(st.just("contact"), person, after_start, status, after_start)
contact_change = st.tuples(st.just("contact_change"), person, status, after_start)
rating = st.tuples(
    st.just("rating"),
    person,
    st.sampled_from(["baseline", "follow_up"]),
    after_start,
    st.integers(1, 3),
    st.integers(1, 5),
)
write = st.one_of(
    st.tuples(st.just("register"), days_ago, st.integers(1990, 2008), st.booleans()),
    st.tuples(st.just("move_start"), person, days_ago),
    st.tuples(st.just("birth_year"), person, st.integers(1990, 2008)),
    st.tuples(st.just("gender"), person, st.sampled_from(["woman", "man", "not_stated"])),
    st.tuples(st.just("crisis"), person, st.booleans()),
    st.tuples(st.just("close"), person, after_start),
    st.tuples(st.just("reopen"), person),
    # The plan's sub-goal's status and its contact paths: its goals met, or incomplete.
    st.tuples(
        st.just("plan"),
        person,
        st.none() | after_start,
        st.sampled_from(["open", "achieved", "dropped"]),
        st.booleans(),
    ),
    st.tuples(st.just("crisis_plan"), person, st.none() | after_start, st.integers(0, 2)),
    # The prioritised contacts and the ratings have the most rules: drawn more often.
    contact,
    contact,
    contact_change,
    contact_change,
    contact_change,
    rating,
    rating,
    st.tuples(st.just("offer"), person, after_start),
    # Logged contacts: the activity figures and the equality view's contacts per person.
    st.tuples(st.just("log"), person, after_start, st.integers(1, 240)),
    st.tuples(st.just("log"), person, after_start, st.integers(1, 240)),
    st.tuples(st.just("correct"), person, after_start, st.integers(1, 240)),
    st.tuples(st.just("window"), st.integers(28, 90)),
    st.tuples(st.just("horizon"), st.integers(1, 6)),
    st.tuples(st.just("retention"), person),
)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def on(participant: Participant, days: int) -> date:
    """``days`` after the participant's start, or today if that is later."""
    return min(participant.intervention_start + timedelta(days=days), TODAY)


class Writer:
    """Applies one drawn write through the services to the sequence's participants."""

    def __init__(self, organisation, staff, programme) -> None:
        self.organisation, self.staff, self.programme = organisation, staff, programme
        self.people: list[Participant] = []

    def person(self, index: int) -> Participant | None:
        if not self.people:
            return None
        participant = self.people[index % len(self.people)]
        return Participant.objects.filter(pk=participant.pk).first()

    def apply(self, step: tuple) -> None:
        name, *args = step
        if name == "register":
            self.register(*args)
        elif name in ("window", "horizon"):
            self.goal(name, args[0])
        elif (participant := self.person(args[0])) is not None:
            getattr(self, name)(participant, *args[1:])

    def register(self, start: int, birth_year: int, crisis: bool) -> None:
        self.people.append(
            participant_services.participant_register(
                organisation=self.organisation,
                programme=self.programme,
                actor=self.staff,
                birth_year=birth_year,
                gender="woman",
                entry_path="outreach",
                crisis_relevant=crisis,
                intervention_start=ago(start),
            )
        )

    def update(self, participant: Participant, **values) -> None:
        participant_services.participant_update(participant=participant, actor=self.staff, **values)

    def move_start(self, participant: Participant, start: int) -> None:
        self.update(participant, intervention_start=ago(start))

    def birth_year(self, participant: Participant, year: int) -> None:
        self.update(participant, birth_year=year)

    def gender(self, participant: Participant, gender: str) -> None:
        self.update(participant, gender=gender)

    def crisis(self, participant: Participant, relevant: bool) -> None:
        self.update(participant, crisis_relevant=relevant)

    def close(self, participant: Participant, end: int) -> None:
        participant_services.participant_close(
            participant=participant,
            end_date=on(participant, end),
            reason_code="goals_met",
            actor=self.staff,
        )

    def reopen(self, participant: Participant) -> None:
        participant_services.participant_reopen(participant=participant, actor=self.staff)

    def plan(
        self, participant: Participant, established: int | None, sub_goal: str, paths: bool
    ) -> None:
        day = None if established is None else on(participant, established).isoformat()
        content = {
            "goals": [{"title": "Work", "sub_goals": [{"title": "Apply", "status": sub_goal}]}],
            "contact_paths": PLAN["contact_paths"] if paths else [],
            "established_on": day,
        }
        plan_import(participant=participant, content=content, actor=self.staff)

    def crisis_plan(self, participant: Participant, established: int | None, links: int) -> None:
        """The first time from a case file; then the chain saved again (none: refused once
        established), and established if it was not."""
        day = None if established is None else on(participant, established)
        plan = CrisisPlan.objects.filter(participant=participant).first()
        if plan is None:
            crisis_plan_import(
                participant=participant,
                content={
                    "established_on": day and day.isoformat(),
                    "responsibility_chain": CHAIN * links,
                },
                actor=self.staff,
            )
            return
        plan = crisis_plan_save(
            participant=participant,
            values={},
            chain=CHAIN * links,
            expected_version=plan.version,
            actor=self.staff,
        )
        if day is not None and plan.established_on is None:
            crisis_plan_establish(
                participant=participant,
                established_on=day,
                expected_version=plan.version,
                actor=self.staff,
            )

    def contact(self, participant: Participant, planned: int, status: str, done: int) -> None:
        prioritised_contact_create(
            participant=participant,
            actor=self.staff,
            actor_kind="healthcare",
            actor_name="Clinic",
            planned_on=on(participant, planned),
            status=status,
            completed_on=on(participant, done) if status == "completed" else None,
        )

    def contact_change(self, participant: Participant, status: str, done: int) -> None:
        """The participant's last prioritised contact changes status (one planned on the
        start is made first if there is none)."""
        contact = PrioritisedContact.objects.filter(participant=participant).last()
        if contact is None:
            contact = prioritised_contact_create(
                participant=participant,
                actor=self.staff,
                actor_kind="healthcare",
                actor_name="Clinic",
                planned_on=participant.intervention_start,
            )
        prioritised_contact_update(
            contact=contact,
            actor=self.staff,
            status=status,
            completed_on=on(participant, done) if status == "completed" else None,
        )

    def rating(
        self, participant: Participant, phase: str, rated: int, ucla: int, participation: int
    ) -> None:
        self_rating_record(
            participant=participant,
            actor=self.staff,
            phase=phase,
            rated_on=on(participant, rated),
            ucla_1=ucla,
            ucla_2=2,
            ucla_3=1,
            participation=participation,
        )

    def offer(self, participant: Participant, offered: int) -> None:
        meeting_offer_record(
            participant=participant,
            offered_on=on(participant, offered),
            unit="Unit",
            answer="accepted",
            offerer=self.staff,
            actor=self.staff,
        )

    def log(self, participant: Participant, day: int, minutes: int) -> None:
        participant_services.contact_log(
            participant=participant,
            actor=self.staff,
            date=on(participant, day),
            kind="meeting",
            duration_minutes=minutes,
        )

    def correct(self, participant: Participant, day: int, minutes: int) -> None:
        """The participant's first logged contact moves to another day (often another
        month) and lasts another time."""
        contact = Contact.objects.filter(participant=participant).order_by("pk").first()
        if contact is not None:
            participant_services.contact_correct(
                contact=contact,
                actor=self.staff,
                date=on(participant, day),
                duration_minutes=minutes,
            )

    def goal(self, name: str, value: int) -> None:
        if name == "window":
            kind, parameters = GoalKind.PLAN_WITHIN_WINDOW, {"window_days": value}
        else:
            kind, parameters = GoalKind.PRIORITISED_CONTACTS_BY_HORIZON, {"horizon_months": value}
        programme_goal_set(
            programme=self.programme, kind=kind, actor=None, target_percent=70, **parameters
        )

    def retention(self, participant: Participant) -> None:
        # Long after the case's last entry: deleted if it is closed (the figures of the
        # periods it counted in are frozen first, as in production).
        if not participant.is_open:
            delete_case(participant.pk, today=TODAY + timedelta(days=6 * 366))


def figures(programme, period_from: date, period_to: date, today: date) -> dict:
    return kpis.compute_kpis(
        period_from=period_from, period_to=period_to, programme=programme, today=today
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(write, min_size=8, max_size=20))
def test_random_writes_leave_facts_equal_to_the_case_tables(
    steps, hela_manniskan, alice, vagledning
):
    # Each example starts from the fixtures alone: its writes are rolled back after it.
    with transaction.atomic():
        check_sequence(steps, hela_manniskan, alice, vagledning)
        transaction.set_rollback(True)


def check_sequence(steps, organisation, staff, programme) -> None:
    writer = Writer(organisation, staff, programme)
    writer.register(100, 2000, True)
    for number, step in enumerate(steps):
        with suppress(ValidationError), transaction.atomic():
            writer.apply(step)
        # After every write: a later write to the same case would mend a missed one.
        assert differences(programme) == [], f"after write {number}: {step}"
        assert contact_months.differences(programme) == [], f"after write {number}: {step}"

    # A fresh instance: the fixture's would keep the goals read before a goal's change.
    programme = Programme.objects.get(pk=programme.pk)
    month = TODAY.replace(day=1)
    periods = [
        (ago(200), TODAY, TODAY),
        (ago(120), ago(30), TODAY),
        (ago(90), TODAY + timedelta(days=60), ago(10)),
        # Whole months only: the contacts by month alone.
        ((month - timedelta(days=100)).replace(day=1), month - timedelta(days=1), TODAY),
    ]
    for period_from, period_to, today in periods:
        counted = figures(programme, period_from, period_to, today)
        scope = kpis.Scope(
            period_from=period_from, period_to=period_to, today=today, programme=programme
        )
        counted_equality = equality.equality_figures(scope)
        with (
            mock.patch.object(kpis, "facts_maintained", return_value=False),
            mock.patch.object(equality, "facts_maintained", return_value=False),
        ):
            recounted = figures(programme, period_from, period_to, today)
            recounted_equality = equality.equality_figures(scope)
        counted_plans = selectors.incomplete_plans(
            programme=programme, period_from=period_from, period_to=period_to
        )
        with (
            mock.patch.object(kpis, "facts_maintained", return_value=False),
            mock.patch.object(equality, "facts_maintained", return_value=False),
            mock.patch.object(selectors, "facts_maintained", return_value=False),
        ):
            recounted_plans = selectors.incomplete_plans(
                programme=programme, period_from=period_from, period_to=period_to
            )
        assert counted == recounted
        assert counted_equality == recounted_equality
        assert counted_plans == recounted_plans


def test_a_write_outside_the_services_is_in_the_facts_too(hela_manniskan, alice, vagledning):
    """The triggers do not depend on the caller: a bulk update is counted as well."""
    writer = Writer(hela_manniskan, alice, vagledning)
    writer.register(100, 2000, False)
    Participant.objects.filter(pk=writer.people[0].pk).update(intervention_end=ago(3))
    assert differences(vagledning) == []
    closed = figures(vagledning, ago(10), TODAY, TODAY)["participants"]["ended"]
    assert closed == 1
