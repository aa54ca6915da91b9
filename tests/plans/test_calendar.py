"""The calendar page and the personal calendar feed (issue 17, item 13).

The feed is read back with a real iCalendar parser (the ``icalendar`` library): it holds the
participants' references and no name; its secret is stored hashed, compared in constant time,
stops working when revoked or replaced, and every use is in the access log.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cm_portal.models import AccessEvent
from plans import ical
from plans.models import CalendarFeed, CoordinationMeeting, DeadlineKind, DeadlineState
from plans.selectors.calendar import CalendarEntry, calendar_entries
from plans.services import calendar as services

from .rows_dashboard import deadline_for
from .test_dashboard import client_of, days

pytestmark = pytest.mark.django_db


CALENDAR = reverse("plans:calendar")
SETTINGS = reverse("plans:calendar_feed_settings")


def feed_url(token: str) -> str:
    return reverse("plans:calendar_feed", args=[token])


def meeting_for(participant, user, on):
    return CoordinationMeeting.objects.create(
        participant=participant, kind="intern_sip", meeting_on=on, created_by=user
    )


def parse(body: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


# --- The page ------------------------------------------------------------------------------


def test_the_week_shows_the_case_managers_deadlines_and_meetings(alice, kim, bobs):
    deadline_for(kim, kind=DeadlineKind.PLAN, due_on=days(0))
    meeting_for(kim, alice, days(0))
    deadline_for(bobs, kind=DeadlineKind.PLAN, due_on=days(0))
    response = client_of(alice).get(CALENDAR)
    assert response.status_code == 200
    body = response.content.decode()
    assert kim.reference in body
    assert bobs.reference not in body
    assert "Individual plan" in body and "Intern-SIP" in body
    assert "Kim" not in body
    assert len(response.context["days"]) == 7


def test_the_team_lead_sees_the_organisations(tess, kim, bobs):
    deadline_for(kim, due_on=days(0))
    deadline_for(bobs, due_on=days(0))
    body = client_of(tess).get(CALENDAR).content.decode()
    assert kim.reference in body and bobs.reference in body


def test_the_month_view_and_its_navigation(alice, kim):
    today = timezone.localdate()
    later = today.replace(day=1) + timedelta(days=40)
    deadline_for(kim, due_on=later)
    response = client_of(alice).get(CALENDAR, {"view": "month", "date": later.isoformat()})
    assert response.status_code == 200
    assert response.context["first"] == later.replace(day=1)
    assert [day.day for day in response.context["days"] if day.entries] == [later]
    # Nonsense in the query falls back to today's week, never an error.
    assert client_of(alice).get(CALENDAR, {"date": "2026-02-31", "view": "x"}).status_code == 200


def test_met_and_void_deadlines_and_cancelled_meetings_are_left_out(alice, kim, lo):
    deadline_for(kim, due_on=days(1), state=DeadlineState.MET)
    deadline_for(lo, due_on=days(1), state=DeadlineState.VOID)
    meeting = meeting_for(kim, alice, days(1))
    CoordinationMeeting.objects.filter(pk=meeting.pk).update(status="cancelled")
    today = timezone.localdate()
    assert calendar_entries(alice, start=today, end=days(7), today=today) == []


# --- The feed -----------------------------------------------------------------------------


def test_the_feed_names_references_and_no_name(alice, kim):
    deadline_for(kim, kind=DeadlineKind.BASELINE_RATING, due_on=days(3))
    meeting_for(kim, alice, days(5))
    token = services.calendar_feed_create(user=alice)
    response = Client().get(feed_url(token))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = parse(response.content)
    assert len(events) == 2
    summaries = sorted(str(event["SUMMARY"]) for event in events)
    assert all(summary.startswith(f"{kim.reference}: ") for summary in summaries)
    assert {event.decoded("DTSTART") for event in events} == {days(3), days(5)}
    text = response.content.decode()
    personal = ("Kim", kim.display_name, alice.name, "Alice", kim.personal_identity_number)
    for name in filter(None, personal):
        assert name not in text
    for event in events:
        # Nothing but these: no description, location, attendee or organiser.
        assert set(event) <= {
            "UID",
            "DTSTAMP",
            "SUMMARY",
            "DTSTART",
            "DTEND",
            "TRANSP",
            "URL",
            "CLASS",
        }


def test_a_meeting_with_a_time_is_a_timed_event_in_stockholm_time():
    entry = CalendarEntry(
        day=date(2026, 6, 10),
        kind="meeting",
        title="Intern-SIP",
        reference="HM-0001",
        participant_id=1,
        object_id=7,
        starts_at=time(9, 30),
        ends_at=time(11, 0),
    )
    (event,) = parse(ical.calendar_ics([entry], url_of=lambda e: "https://x.example/"))
    # 09:30 in Stockholm in June (CEST, +02:00) is 07:30 UTC.
    assert event.decoded("DTSTART") == datetime(2026, 6, 10, 7, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def test_the_secret_is_stored_hashed(alice):
    token = services.calendar_feed_create(user=alice)
    feed_id, secret = token.split(".", 1)
    feed = CalendarFeed.objects.get(pk=int(feed_id))
    assert secret not in feed.secret_digest
    assert feed.secret_digest == hashlib.sha256(secret.encode()).hexdigest()


def test_the_secret_is_compared_in_constant_time(alice, monkeypatch):
    token = services.calendar_feed_create(user=alice)
    calls = []

    def compare(a, b):
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(services.hmac, "compare_digest", compare)
    assert services.calendar_feed_find(token) is not None
    assert services.calendar_feed_find(token + "x") is None
    # An unknown feed costs the same comparison.
    assert services.calendar_feed_find("999999.nothing") is None
    assert len(calls) == 3


def test_a_revoked_link_stops_working(alice):
    client = client_of(alice)
    token = services.calendar_feed_create(user=alice)
    assert Client().get(feed_url(token)).status_code == 200
    response = client.post(SETTINGS, {"action": "revoke"})
    assert response.status_code == 302
    assert Client().get(feed_url(token)).status_code == 404
    assert CalendarFeed.objects.get().revoked_at is not None


def test_a_new_link_revokes_the_old_one(alice):
    first = services.calendar_feed_create(user=alice)
    second = services.calendar_feed_create(user=alice)
    assert Client().get(feed_url(first)).status_code == 404
    assert Client().get(feed_url(second)).status_code == 200
    assert CalendarFeed.objects.filter(user=alice, revoked_at__isnull=True).count() == 1


def test_another_feeds_id_with_my_secret_is_not_found(alice, bob):
    """IDOR: the id names the row; a secret that is not that row's opens nothing."""
    mine = services.calendar_feed_create(user=alice)
    theirs = services.calendar_feed_create(user=bob)
    their_id = theirs.split(".", 1)[0]
    my_secret = mine.split(".", 1)[1]
    assert Client().get(feed_url(f"{their_id}.{my_secret}")).status_code == 404
    for nonsense in ("x", "1", ".", "1.", "²." + my_secret, "9" * 40 + "." + my_secret):
        assert Client().get(feed_url(nonsense)).status_code == 404


def test_revoking_touches_only_ones_own_link(alice, bob):
    token = services.calendar_feed_create(user=alice)
    client_of(bob).post(SETTINGS, {"action": "revoke"})
    assert Client().get(feed_url(token)).status_code == 200


def test_a_deactivated_accounts_link_stops_working(alice):
    token = services.calendar_feed_create(user=alice)
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    assert Client().get(feed_url(token)).status_code == 404


def test_every_use_is_logged_under_the_owner(alice, kim):
    deadline_for(kim, due_on=days(2))
    token = services.calendar_feed_create(user=alice)
    Client().get(feed_url(token))
    use = AccessEvent.objects.filter(
        object_type="calendar_feed", action=AccessEvent.Action.EXPORT
    ).get()
    assert use.actor_id == alice.pk
    assert use.detail == "1 entries"
    assert CalendarFeed.objects.get().last_used_at is not None
    made = AccessEvent.objects.filter(object_type="calendar_feed", action="create")
    assert made.filter(actor=alice).exists()


def test_the_settings_page_shows_the_link_once(alice):
    client = client_of(alice)
    response = client.post(SETTINGS, {"action": "create"}, follow=True)
    link = response.context["link"]
    assert link and link.endswith(".ics")
    assert Client().get(link.split("testserver", 1)[1]).status_code == 200
    assert client.get(SETTINGS).context["link"] is None


def test_an_unknown_action_is_refused(alice):
    refusal = "Choose to make a new link or to revoke the one you have."
    client = client_of(alice)
    response = client.post(SETTINGS, {"action": "delete-all"})
    assert response.status_code == 302
    assert response.url == SETTINGS
    assert not CalendarFeed.objects.exists()
    assert refusal in client.get(SETTINGS).content.decode()

    token = services.calendar_feed_create(user=alice)
    response = client.post(SETTINGS, {"action": "delete-all"}, follow=True)
    assert response.redirect_chain == [(SETTINGS, 302)]
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [refusal]
    assert refusal in response.content.decode()
    # Nothing made and nothing revoked: the one link there was still works.
    assert CalendarFeed.objects.filter(user=alice).count() == 1
    assert CalendarFeed.objects.filter(user=alice, revoked_at__isnull=True).count() == 1
    assert response.context["link"] is None
    assert Client().get(feed_url(token)).status_code == 200
