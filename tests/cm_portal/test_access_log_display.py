"""The access log and the log review read in the user's language (issue 17, item 6): staff by
name and organisation, a participant by reference, objects in words, Stockholm time with its
zone named; the object type is a choice; each sampled access is marked before sign-off."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from cm_portal import access_log, services
from cm_portal.access_log_display import describe
from cm_portal.forms import AccessLogFilterForm
from cm_portal.models import AccessEvent, LogReview
from tests.participants.factories import register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
Action = AccessEvent.Action


def test_the_log_names_staff_participants_and_objects_in_words(persona_client, alice, ada):
    kim = register(alice.organisation, alice, display_name="Kim Kimsson")
    access_log.record(action=Action.VIEW, actor=alice, obj=kim, detail="plan goal 4")
    access_log.record(
        action=Action.EXPORT,
        actor=alice,
        object_type="report",
        object_id="2",
        detail="steering report 2 downloaded",
    )
    page = persona_client("ada").get(reverse("staff:access_log"), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert alice.name in body
    assert alice.organisation.name in body
    assert f"Participant {kim.reference}" in body
    assert "Kim Kimsson" not in body  # a reference, never the name
    assert "a goal of the plan" in body and "plan goal 4" not in body
    assert "report downloaded" in body and "steering report 2" not in body
    # Stockholm time, the zone named (CET in winter, CEST in summer), never UTC.
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T<", body)
    assert "UTC" not in body


def test_times_are_in_stockholm_time():
    summer = AccessEvent(at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC), action=Action.VIEW)
    winter = AccessEvent(at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC), action=Action.VIEW)
    rows = describe([summer, winter])
    assert [row.at.hour for row in rows] == [12, 11]
    assert [row.at.tzname() for row in rows] == ["CEST", "CET"]


def test_describe_needs_the_same_queries_for_many_rows(alice, bob, django_assert_max_num_queries):
    participants = [register(alice.organisation, alice) for _ in range(3)]
    for participant in participants:
        access_log.record(action=Action.VIEW, actor=alice, obj=participant)
    access_log.record(action=Action.VIEW, actor=bob, obj=participants[0])
    events = list(AccessEvent.objects.all())
    # staff, organisations, participants
    with django_assert_max_num_queries(3):
        rows = describe(events)
    assert {row.object_name for row in rows} == {p.reference for p in participants}


def test_the_object_type_is_a_choice():
    with translation.override("en"):
        form = AccessLogFilterForm({"object_type": "participant"})
    assert form.is_valid()
    assert not AccessLogFilterForm({"object_type": "<script>"}).is_valid()
    assert ("participant", "Participant") in form.fields["object_type"].choices


def _review_of(alice, ada, count=2) -> LogReview:
    for n in range(count):
        access_log.record(action=Action.VIEW, actor=alice, object_type="participant", object_id=n)
    today = timezone.localdate()
    return services.log_review_draw(actor=ada, period_from=today, period_to=today)


def test_each_sampled_access_is_marked_before_sign_off(alice, ada):
    review = _review_of(alice, ada)
    first, second = review.sample_ids
    services.log_review_mark(review=review, actor=ada, event_id=first, mark="ok")
    with pytest.raises(ValidationError, match="Mark every access"):
        services.log_review_sign_off(review=review, actor=ada, comment="Fine.")
    services.log_review_mark(review=review, actor=ada, event_id=second, mark="investigate")
    services.log_review_sign_off(review=review, actor=ada, comment="One to follow up.")
    review.refresh_from_db()
    assert review.marks == {str(first): "ok", str(second): "investigate"}
    with pytest.raises(ValidationError, match="already been signed off"):
        services.log_review_mark(review=review, actor=ada, event_id=first, mark="investigate")


def test_only_a_sampled_access_and_a_known_mark_are_accepted(alice, ada):
    review = _review_of(alice, ada)
    outside = access_log.record(action=Action.VIEW, actor=alice, object_type="participant")
    with pytest.raises(ValidationError, match="not in this review"):
        services.log_review_mark(review=review, actor=ada, event_id=outside.pk, mark="ok")
    with pytest.raises(ValidationError, match="in order or to investigate"):
        services.log_review_mark(
            review=review, actor=ada, event_id=review.sample_ids[0], mark="fine"
        )
    assert LogReview.objects.get().marks == {}


def test_marking_in_the_portal(persona_client, alice, ada):
    review = _review_of(alice, ada, count=1)
    client = persona_client("ada")
    url = reverse("staff:log_review", args=[review.pk])
    response = client.post(url, {"event": review.sample_ids[0], "mark": "investigate"})
    assert response.status_code == 302
    assert LogReview.objects.get().marks == {str(review.sample_ids[0]): "investigate"}
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "To investigate" in page
    # Nonsense is refused with a message, nothing stored.
    client.post(url, {"event": "x²", "mark": "ok"})
    assert LogReview.objects.get().marks == {str(review.sample_ids[0]): "investigate"}


def test_structured_details_are_read_in_words(alice):
    event = access_log.record(
        action=Action.CHANGE,
        actor=alice,
        object_type="user",
        object_id=alice.pk,
        detail="role",
        data=access_log.changes(
            ["role"], old={"role": "case_manager"}, new={"role": "team_lead"}, values_of=["role"]
        ),
    )
    with translation.override("en"):
        (row,) = describe([event])
        assert row.detail == "changed role: case_manager \u2192 team_lead"
    assert row.object_name == alice.name  # a staff account by name, not "user 6"
