"""Log review (security.md 17): who accessed a participant, a random sample of the accesses
in a period, and a signed-off review that is itself recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cm_portal import access_log, services
from cm_portal.models import AccessEvent, LogReview

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _accesses(actor, count: int, *, object_type: str = "participant") -> list[AccessEvent]:
    return [
        access_log.record(
            action=AccessEvent.Action.VIEW, actor=actor, object_type=object_type, object_id=str(n)
        )
        for n in range(count)
    ]


def test_the_sample_is_drawn_from_the_accesses_to_case_data_in_the_period(alice, ada):
    viewed = _accesses(alice, 30)
    _accesses(ada, 5, object_type="access_log")  # reading the log is not case data
    today = timezone.localdate()
    review = services.log_review_draw(actor=ada, period_from=today, period_to=today, sample_size=10)
    assert len(review.sample_ids) == 10
    assert set(review.sample_ids) <= {event.pk for event in viewed}
    # Another day's review finds nothing in this day's accesses.
    earlier = services.log_review_draw(
        actor=ada, period_from=today - timedelta(days=9), period_to=today - timedelta(days=1)
    )
    assert earlier.sample_ids == []


def test_the_sample_is_random(alice, ada):
    _accesses(alice, 60)
    today = timezone.localdate()
    samples = {
        tuple(
            services.log_review_draw(
                actor=ada, period_from=today, period_to=today, sample_size=5
            ).sample_ids
        )
        for _ in range(5)
    }
    assert len(samples) > 1  # five draws of 5 from 60 are not all the same


def test_wrong_input_is_refused_with_a_message(ada):
    with pytest.raises(ValidationError, match="before the from date"):
        services.log_review_draw(
            actor=ada, period_from=date(2026, 5, 2), period_to=date(2026, 5, 1)
        )
    with pytest.raises(ValidationError, match="between 1 and 200"):
        services.log_review_draw(
            actor=ada, period_from=date(2026, 5, 1), period_to=date(2026, 5, 1), sample_size=0
        )


def test_signing_off_keeps_the_comment_once_and_is_recorded(ada):
    review = services.log_review_draw(
        actor=ada, period_from=date(2026, 1, 1), period_to=timezone.localdate()
    )
    with pytest.raises(ValidationError, match="what you found"):
        services.log_review_sign_off(review=review, actor=ada, comment="  ")
    services.log_review_sign_off(review=review, actor=ada, comment="Nothing odd.")
    review.refresh_from_db()
    assert review.is_signed_off
    assert review.comment == "Nothing odd."
    with pytest.raises(ValidationError, match="already been signed off"):
        services.log_review_sign_off(review=review, actor=ada, comment="Changed my mind")
    assert LogReview.objects.get().comment == "Nothing odd."
    details = list(
        AccessEvent.objects.filter(object_type="log_review", object_id=str(review.pk))
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert details == ["sample of 0", "signed off"]


def test_an_administrator_draws_reads_and_signs_off_in_the_portal(persona_client, alice, ada):
    _accesses(alice, 3)
    client = persona_client("ada")
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("staff:log_reviews"),
        {"period_from": today, "period_to": today, "sample_size": 20},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    review = LogReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:log_review", args=[review.pk])

    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 accesses to participants' data" in page
    assert alice.name in page  # who accessed, by name
    # Each access links to everyone who accessed the same participant.
    assert "?object_type=participant&amp;object_id=0" in page
    assert AccessEvent.objects.filter(
        object_type="log_review", action=AccessEvent.Action.VIEW
    ).exists()

    url = reverse("staff:log_review", args=[review.pk])
    # Not signed off before every sampled access is marked.
    client.post(url, {"comment": "All three were part of the work."})
    assert not LogReview.objects.get().is_signed_off
    for event_id in review.sample_ids:
        client.post(url, {"event": event_id, "mark": "ok"})
    client.post(url, {"comment": "All three were part of the work."})
    listing = client.get(reverse("staff:log_reviews"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Not yet" not in listing.content.decode()
    assert LogReview.objects.get().comment == "All three were part of the work."


def test_who_accessed_a_participant(persona_client, alice, bob, ada):
    access_log.record(
        action=AccessEvent.Action.VIEW, actor=alice, object_type="participant", object_id="7"
    )
    access_log.record(
        action=AccessEvent.Action.VIEW, actor=bob, object_type="participant", object_id="8"
    )
    response = persona_client("ada").get(
        reverse("staff:access_log"), {"object_type": "participant", "object_id": "7"}
    )
    page = response.content.decode()
    assert alice.name in page
    assert bob.name not in page
