"""``manage.py verify_kpi_facts``: silent agreement, every difference printed, exit 1, repair."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from participants.models import Contact, Participant
from plans.models import ContactPath, Goal, IndividualPlan, SubGoal
from reporting import contact_months
from reporting.facts import differences
from reporting.models import ContactMonth, KpiFacts

from .helpers import person, plan, prioritised, rating

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_kpi_facts", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def people(hela_manniskan):
    """A few cases written straight with the ORM: the triggers fill their facts."""
    first = person(hela_manniskan, start=START, crisis=True)
    plan(first, START + timedelta(days=40))
    prioritised(first, START + timedelta(days=30), status="completed", completed_on=START)
    second = person(hela_manniskan, start=START, end=date(2026, 5, 1))
    rating(second, "baseline", START, ucla=(3, 3, 3))
    rating(second, "follow_up", date(2026, 4, 1), ucla=(1, 1, 1))
    return first, second


def test_facts_agree_after_writes(people, vagledning):
    first, second = people
    row = KpiFacts.objects.get(participant=first)
    assert (row.d2, row.plan_on, row.has_due_contact, row.has_unmet_due_contact) == (
        START + timedelta(days=56),
        START + timedelta(days=40),
        True,
        False,
    )
    assert KpiFacts.objects.get(participant=second).follow_up_ucla == 3
    assert f"{vagledning.slug}: no difference." in verify()


def test_a_difference_is_printed_and_fails_and_repair_rewrites(people, vagledning):
    first, second = people
    # Behind the triggers' back (the facts table has none of its own).
    KpiFacts.objects.filter(participant=first).update(plan_on=None)
    KpiFacts.objects.filter(participant=second).delete()
    out = StringIO()
    with pytest.raises(CommandError, match="2 differences"):
        call_command("verify_kpi_facts", "--programme", vagledning.slug, stdout=out)
    printed = out.getvalue()
    assert f"participant {first.pk}: plan_on is None" in printed
    assert f"participant {second.pk}: facts row missing" in printed
    # No name or reference of a participant in what an operator may paste somewhere.
    assert first.reference not in printed

    with pytest.raises(CommandError):
        call_command("verify_kpi_facts", "--repair", stdout=StringIO())
    assert differences(vagledning) == []
    assert "no difference" in verify("--programme", vagledning.slug)


def test_a_deleted_participant_leaves_no_facts(people, vagledning):
    first, _second = people
    first.delete()
    assert not KpiFacts.objects.filter(participant_id=first.pk).exists()
    assert differences(vagledning) == []


def test_a_goal_change_refreshes_its_programmes_facts(people, vagledning, alice):
    from cm_portal.programmes.services import programme_goal_set

    first, _second = people
    programme_goal_set(
        programme=vagledning,
        kind="prioritised_contacts_by_horizon",
        actor=alice,
        target_percent=70,
        horizon_months=1,
    )
    assert KpiFacts.objects.get(participant=first).d3 == date(2026, 2, 1)
    assert differences(vagledning) == []


def test_an_unknown_programme_is_refused():
    with pytest.raises(CommandError, match="nowhere"):
        call_command("verify_kpi_facts", "--programme", "nowhere", stdout=StringIO())


def test_the_refresh_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'reporting_kpi_facts_%%'")
        assert cursor.fetchone()[0] == 8 * 3


def log(participant, day: date, minutes: int = 30) -> Contact:
    return Contact.objects.create(
        participant=participant, date=day, kind="meeting", duration_minutes=minutes
    )


def test_contacts_by_month_follow_the_contacts(people, vagledning, district):
    first, second = people
    moved = log(first, date(2026, 1, 31))
    log(first, date(2026, 1, 5), minutes=45)
    log(second, date(2026, 2, 1))
    assert sorted(
        ContactMonth.objects.values_list("participant_id", "month", "contacts", "minutes")
    ) == [
        (first.pk, date(2026, 1, 1), 2, 75),
        (second.pk, date(2026, 2, 1), 1, 30),
    ]
    Contact.objects.filter(pk=moved.pk).update(date=date(2026, 2, 2), duration_minutes=10)
    assert ContactMonth.objects.get(participant=first, month=date(2026, 2, 1)).minutes == 10
    assert ContactMonth.objects.get(participant=first, month=date(2026, 1, 1)).contacts == 1
    # A move to another organisation is in the months too.
    Participant.objects.filter(pk=second.pk).update(organisation=district)
    assert ContactMonth.objects.get(participant=second).organisation_id == district.pk
    assert contact_months.differences(vagledning) == []
    second.delete()
    assert not ContactMonth.objects.filter(participant_id=second.pk).exists()
    assert "no difference" in verify("--programme", vagledning.slug)


def test_a_month_that_differs_is_printed_and_repaired(people, vagledning):
    first, _second = people
    log(first, date(2026, 3, 3))
    # Behind the triggers' back (the table has none of its own).
    ContactMonth.objects.filter(participant=first).update(contacts=7)
    out = StringIO()
    with pytest.raises(CommandError, match="1 differences"):
        call_command("verify_kpi_facts", "--repair", stdout=out)
    assert f"participant {first.pk}, month 2026-03: contacts by month holds" in out.getvalue()
    assert "contacts by month rewritten" in out.getvalue()
    assert contact_months.differences(vagledning) == []


def test_the_contact_months_triggers_are_installed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'reporting_contact_months_%%'"
        )
        assert cursor.fetchone()[0] == 2 * 3


def test_the_plan_goals_and_contact_paths_are_in_the_facts(people, vagledning):
    first, _second = people  # an established plan, no goal yet: incomplete
    facts = KpiFacts.objects.filter(participant=first)
    assert facts.values_list("plan_goals_met", "plan_incomplete").get() == (False, True)
    the_plan = IndividualPlan.objects.get(participant=first)
    goal = Goal.objects.create(plan=the_plan, position=0, title="Work")
    step = SubGoal.objects.create(goal=goal, position=0, title="Apply", status="open")
    ContactPath.objects.create(plan=the_plan, position=0, actor="Clinic", how="Phone")
    assert facts.values_list("plan_goals_met", "plan_incomplete").get() == (False, False)
    SubGoal.objects.filter(pk=step.pk).update(status="achieved")
    assert facts.values_list("plan_goals_met", "plan_incomplete").get() == (True, False)
    step.delete()
    assert facts.values_list("plan_goals_met", "plan_incomplete").get() == (False, True)
    assert differences(vagledning) == []


def test_the_plan_triggers_are_installed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'reporting_plan_facts_%%'"
        )
        assert cursor.fetchone()[0] == 3 * 3
