"""The case workers' start page (what is due, most urgent first) and their reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from participants.services import participant_assign, participant_unassign, sharing_grant_create
from plans.context_processors import unread_reminders
from plans.models import DeadlineKind, DeadlineState, Reminder, ReminderStage
from plans.selectors.deadlines import (
    deadlines_by_case_manager,
    deadlines_due_for,
    reminders_for,
    unread_reminders_count,
)
from tests.conftest import verified_client
from tests.participants.factories import register

from .rows_dashboard import deadline_for, reminder_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Kind = DeadlineKind
State = DeadlineState
DASHBOARD = reverse("plans:dashboard")
REMINDERS = reverse("plans:reminders")
READ = reverse("plans:reminders_read")


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def client_of(user):
    client = verified_client(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def references(deadlines) -> list[tuple[str, str]]:
    return [(deadline.participant.reference, deadline.kind) for deadline in deadlines]


# --- My deadlines -------------------------------------------------------------------------


def test_overdue_comes_first_then_open_by_due_date(alice, kim, lo):
    deadline_for(kim, kind=Kind.PLAN, due_on=days(10))
    deadline_for(kim, kind=Kind.CRISIS_PLAN, due_on=days(-2), state=State.OVERDUE)
    deadline_for(lo, kind=Kind.PLAN, due_on=days(3))
    deadline_for(lo, kind=Kind.CRISIS_PLAN, due_on=days(-9), state=State.OVERDUE)
    deadline_for(lo, kind=Kind.THREE_MONTHS, due_on=days(40), state=State.UPCOMING)
    deadline_for(kim, kind=Kind.BASELINE_RATING, due_on=days(-20), state=State.MET)
    deadline_for(kim, kind=Kind.THREE_MONTHS, due_on=days(-30), state=State.VOID)

    due = deadlines_due_for(alice, today=days(0))

    assert references(due) == [
        (lo.reference, Kind.CRISIS_PLAN),
        (kim.reference, Kind.CRISIS_PLAN),
        (lo.reference, Kind.PLAN),
        (kim.reference, Kind.PLAN),
    ]


def test_only_the_users_own_participants_are_listed(alice, bob, kim, bobs):
    deadline_for(kim, due_on=days(5))
    deadline_for(bobs, due_on=days(1))

    assert references(deadlines_due_for(alice, today=days(0))) == [(kim.reference, Kind.PLAN)]
    assert references(deadlines_due_for(bob, today=days(0))) == [(bobs.reference, Kind.PLAN)]
    page = client_of(alice).get(DASHBOARD).content.decode()
    assert kim.reference in page
    assert bobs.reference not in page


def test_a_team_lead_has_every_deadline_of_the_organisation(tess, kim):
    """The team lead may change every participant of the organisation: all are theirs to see."""
    deadline = deadline_for(kim, due_on=days(5))
    assert list(deadlines_due_for(tess, today=days(0))) == [deadline]


def test_dana_with_a_consent_grant_gets_no_deadlines_or_reminders(dana, district, kim):
    sharing_grant_create(
        participant=kim, organisation=district, consent_id=1, valid_from=days(-5), valid_until=None
    )
    deadline = deadline_for(kim, due_on=days(5))
    reminder_for(deadline, dana)  # written by mistake: still not shown to a reader

    assert client_of(dana).get(reverse("participants:detail", args=[kim.pk])).status_code == 200
    assert list(deadlines_due_for(dana, today=days(0))) == []
    assert list(reminders_for(dana)) == []
    assert unread_reminders_count(dana) == 0
    response = client_of(dana).get(REMINDERS)
    assert kim.reference not in response.content.decode()


def test_the_page_shows_kind_due_date_state_and_days(alice, kim, lo):
    deadline_for(kim, kind=Kind.PLAN, due_on=days(4))
    deadline_for(lo, kind=Kind.CRISIS_PLAN, due_on=days(-3), state=State.OVERDUE)
    deadline_for(lo, kind=Kind.PLAN, due_on=days(0))

    response = client_of(alice).get(DASHBOARD)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in page and "My deadlines" in page
    assert "Individual plan" in page and "Crisis and safety plan" in page
    assert days(4).isoformat() in page
    assert "4 days left" in page
    assert "3 days overdue" in page
    assert "Due today" in page
    assert '<span class="badge text-bg-danger">Overdue</span>' in page
    assert '<span class="badge text-bg-primary">Open</span>' in page
    assert reverse("participants:list") in page
    assert reverse("participants:activity_list") in page
    assert page.index(lo.reference) < page.index(kim.reference)


def test_each_kind_links_to_the_page_where_it_is_done(alice, kim):
    pk = kim.pk
    expected = {
        Kind.PLAN: reverse("plans:plan", kwargs={"pk": pk}),
        Kind.CRISIS_PLAN: reverse("plans:crisis_plan", kwargs={"pk": pk}),
        Kind.THREE_MONTHS: reverse("plans:prioritised_contacts", kwargs={"pk": pk}),
        Kind.BASELINE_RATING: reverse("plans:self_ratings", kwargs={"pk": pk}),
        Kind.CONSENT_RENEWAL: reverse("consent:list", kwargs={"pk": pk}),
        Kind.MEETING_INVITATION: reverse(
            "plans:meeting_detail", kwargs={"pk": pk, "meeting_pk": 4242}
        ),
    }
    for kind in expected:
        subject = 4242 if kind in (Kind.MEETING_INVITATION, Kind.CONSENT_RENEWAL) else 0
        deadline_for(kim, kind=kind, due_on=days(2), subject_id=subject)

    page = client_of(alice).get(DASHBOARD).content.decode()

    for url in expected.values():
        assert f'href="{url}"' in page


def test_nothing_due_says_so(alice):
    assert "Nothing is due." in client_of(alice).get(DASHBOARD).content.decode()


# --- The team lead's page -----------------------------------------------------------------


def test_the_team_lead_sees_the_organisation_by_case_manager(
    tess, alice, bob, charlie, kim, lo, bobs, district
):
    participant_assign(participant=lo, case_manager=bob, actor=tess)  # alice and bob
    nobody = register(kim.organisation, alice, display_name="Ny")
    participant_unassign(participant=nobody, case_manager=alice, actor=tess)
    elsewhere = register(district, charlie, display_name="Vi")
    deadline_for(kim, due_on=days(6))
    deadline_for(lo, due_on=days(-1), state=State.OVERDUE)
    deadline_for(bobs, due_on=days(2))
    deadline_for(nobody, due_on=days(1))
    deadline_for(elsewhere, due_on=days(1))

    sections = deadlines_by_case_manager(tess, today=days(0))

    assert [(manager, references(deadlines)) for manager, deadlines in sections] == [
        (alice, [(lo.reference, Kind.PLAN), (kim.reference, Kind.PLAN)]),
        (bob, [(lo.reference, Kind.PLAN), (bobs.reference, Kind.PLAN)]),
        (None, [(nobody.reference, Kind.PLAN)]),
    ]
    page = client_of(tess).get(DASHBOARD).content.decode()
    assert "Deadlines in the organisation" in page
    assert page.index("Alice Andersson") < page.index("Bob Berg") < page.index("Not assigned")
    assert elsewhere.reference not in page


def test_a_case_manager_gets_no_organisation_view(alice, kim):
    deadline_for(kim, due_on=days(1))
    assert deadlines_by_case_manager(alice, today=days(0)) == []


# --- Home -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "tess"])
def test_case_workers_start_on_their_deadlines(persona, persona_client):
    response = persona_client(persona).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


@pytest.mark.parametrize("persona", ["steve", "ada"])
def test_the_other_roles_keep_the_start_page_and_never_see_the_dashboard(persona, persona_client):
    client = persona_client(persona)
    # The steering group's start page is its report summary (reporting:start), one redirect on.
    assert client.get(reverse("home"), follow=True).status_code == 200
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(REMINDERS).status_code == 403


# --- Reminders ------------------------------------------------------------------------------


def _three_reminders(alice, kim, lo):
    plan = deadline_for(kim, kind=Kind.PLAN, due_on=days(7))
    crisis = deadline_for(lo, kind=Kind.CRISIS_PLAN, due_on=days(-1), state=State.OVERDUE)
    old = reminder_for(plan, alice, stage=ReminderStage.WINDOW_OPENED, read=True)
    middle = reminder_for(plan, alice, stage=ReminderStage.SEVEN_DAYS_BEFORE)
    new = reminder_for(crisis, alice, stage=ReminderStage.FIRST_DAY_OVERDUE)
    now = timezone.now()
    for reminder, age in ((old, 3), (middle, 2), (new, 1)):
        Reminder.objects.filter(pk=reminder.pk).update(created_at=now - timedelta(hours=age))
    return old, middle, new


def test_reminders_are_listed_newest_first_with_the_unread_marked(alice, kim, lo):
    old, middle, new = _three_reminders(alice, kim, lo)

    response = client_of(alice).get(REMINDERS)

    assert [reminder for reminder, _url in response.context["items"]] == [new, middle, old]
    page = response.content.decode()
    assert page.count('<span class="badge text-bg-primary">Unread</span>') == 2
    assert "7 days left" in page and "The window has opened" in page
    assert "Crisis and safety plan" in page
    assert reverse("plans:crisis_plan", kwargs={"pk": lo.pk}) in page
    assert "Mark all as read" in page


def test_mark_all_as_read(alice, bob, kim, lo):
    old, _middle, _new = _three_reminders(alice, kim, lo)
    colleagues = reminder_for(deadline_for(kim, due_on=days(7)), bob)
    read_before = Reminder.objects.get(pk=old.pk).read_at

    response = client_of(alice).post(READ, follow=True)

    assert response.redirect_chain == [(REMINDERS, 302)]
    assert "2 reminders marked as read." in response.content.decode()
    assert not Reminder.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Reminder.objects.get(pk=old.pk).read_at == read_before
    assert Reminder.objects.get(pk=colleagues.pk).read_at is None


def test_mark_one_as_read(alice, kim, lo):
    _old, middle, new = _three_reminders(alice, kim, lo)

    response = client_of(alice).post(READ, {"pk": middle.pk})

    assert response.status_code == 302
    assert Reminder.objects.get(pk=middle.pk).read_at is not None
    assert Reminder.objects.get(pk=new.pk).read_at is None


def test_nothing_unread_says_so(alice):
    response = client_of(alice).post(READ, follow=True)
    assert "You have no unread reminders." in response.content.decode()


@pytest.mark.parametrize(
    "pk", ["theirs", "nonsense", "missing", "superscript", "arabic", "huge", "overlong"]
)
def test_someone_elses_reminder_is_not_found_and_nothing_changes(pk, alice, bob, kim):
    theirs = reminder_for(deadline_for(kim, due_on=days(7)), alice)
    reminder_for(deadline_for(kim, kind=Kind.CRISIS_PLAN, due_on=days(7)), bob)
    posted = {
        "theirs": theirs.pk,
        "nonsense": "1; drop",
        "missing": 999999,
        # Digits to str.isdigit() that int() refuses or the database cannot hold.
        "superscript": "²",
        "arabic": "١٢",
        "huge": "9" * 30,
        "overlong": "9" * 5000,
    }[pk]

    response = client_of(bob).post(READ, {"pk": posted})

    assert response.status_code == 404
    assert Reminder.objects.filter(read_at__isnull=False).count() == 0


def test_a_colleagues_reminders_are_not_listed(alice, bob, kim):
    reminder_for(deadline_for(kim, due_on=days(7)), alice)

    response = client_of(bob).get(REMINDERS)

    assert response.context["items"] == []
    assert kim.reference not in response.content.decode()
    assert unread_reminders_count(bob) == 0


def test_a_get_on_the_mark_as_read_url_is_refused(alice):
    assert client_of(alice).get(READ).status_code == 405


def test_reminders_of_a_transferred_participant_are_no_longer_shown(alice, bob, tess, kim):
    reminder_for(deadline_for(kim, due_on=days(7)), alice)
    participant_assign(participant=kim, case_manager=bob, actor=tess)
    participant_unassign(participant=kim, case_manager=alice, actor=tess)

    assert list(reminders_for(alice)) == []
    assert unread_reminders_count(alice) == 0


# --- The unread count in the navigation -----------------------------------------------------


def test_the_navigation_shows_the_unread_count(alice, kim, lo):
    _three_reminders(alice, kim, lo)

    response = client_of(alice).get(DASHBOARD)

    reminders_item = next(i for i in response.context["nav_items"] if i.url == REMINDERS)
    assert reminders_item.label == "Reminders"
    assert response.context["unread_reminders"] == 2
    assert '<span class="badge text-bg-danger" aria-label="2 unread">2</span>' in (
        response.content.decode()
    )


def test_no_badge_when_everything_is_read(alice):
    page = client_of(alice).get(DASHBOARD).content.decode()
    assert "unread" not in page


def test_the_count_is_one_query_and_nothing_for_other_roles(
    alice, steve, ada, kim, django_assert_num_queries
):
    reminder_for(deadline_for(kim, due_on=days(7)), alice)
    factory = RequestFactory()

    def count_for(user):
        request = factory.get("/")
        request.user = user
        user.is_verified = lambda: True
        return unread_reminders(request)

    with django_assert_num_queries(1):
        assert count_for(alice) == {"unread_reminders": 1}
    with django_assert_num_queries(0):
        assert count_for(steve) == {}
        assert count_for(ada) == {}
    request = factory.get("/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    with django_assert_num_queries(0):
        assert unread_reminders(request) == {}


def test_steering_group_has_no_reminders_item(steve):
    response = client_of(steve).get(reverse("home"), follow=True)
    assert REMINDERS not in [item.url for item in response.context["nav_items"]]
    assert "unread_reminders" not in response.context


# --- Query counts ---------------------------------------------------------------------------


# The access-log row each page writes (security.md 33): the chain's lock with the last hash
# (two statements sent as one), the insert.
ACCESS_LOG_ROW = 2
# session, user (with the organisation), second factor, the deadlines, (the assignments, the
# account changes waiting for the team lead's approval,) the nav count
DASHBOARD_QUERIES = {"alice": 5 + ACCESS_LOG_ROW, "tess": 7 + ACCESS_LOG_ROW}
# session, user (with the organisation), second factor, the page count, the reminders, the nav
# count, and how many deadlines the start page lists (the page says so beside the reminders)
REMINDERS_QUERIES = 7 + ACCESS_LOG_ROW


def _grow(participant, n: int) -> None:
    kinds = list(Kind)
    for i in range(n):
        deadline_for(participant, kind=kinds[i % len(kinds)], due_on=days(i), subject_id=i)


@pytest.mark.parametrize("persona", ["alice", "tess"])
def test_the_dashboard_query_count_does_not_grow(
    persona, request, kim, lo, bobs, django_assert_max_num_queries
):
    client = client_of(request.getfixturevalue(persona))
    deadline_for(kim, due_on=days(3))
    client.get(DASHBOARD)  # warm the session
    with django_assert_max_num_queries(DASHBOARD_QUERIES[persona]):
        client.get(DASHBOARD)
    _grow(lo, 12)
    _grow(bobs, 12)
    with django_assert_max_num_queries(DASHBOARD_QUERIES[persona]):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") > 12


def test_the_reminders_query_count_does_not_grow(alice, kim, django_assert_max_num_queries):
    client = client_of(alice)
    reminder_for(deadline_for(kim, due_on=days(3)), alice)
    client.get(REMINDERS)
    with django_assert_max_num_queries(REMINDERS_QUERIES):
        client.get(REMINDERS)
    for kind in (Kind.CRISIS_PLAN, Kind.THREE_MONTHS, Kind.BASELINE_RATING):
        deadline = deadline_for(kim, kind=kind, due_on=days(5))
        for stage in ReminderStage:
            reminder_for(deadline, alice, stage=stage)
    with django_assert_max_num_queries(REMINDERS_QUERIES):
        response = client.get(REMINDERS)
    assert len(response.context["items"]) == 10
