"""Self-ratings: the case manager's entry and the participant's single-use link."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cm_portal.models import AccessEvent
from participants.services import participant_register
from plans.models import RatingSource, SelfRating, SelfRatingLink
from plans.selectors.self_ratings import self_rating_content
from plans.services.self_ratings import (
    SelfRatingLinkUnusable,
    self_rating_import,
    self_rating_link_create,
    self_rating_link_find,
    self_rating_record,
    self_rating_submit,
    token_digest,
)

from .helpers_crisis_plan import english_client
from .helpers_crisis_plan import participant_of as _participant_of
from .helpers_self_ratings import ANSWERS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
TODAY = "2026-11-23 10:00+01:00"
SCORES = {"ucla_1": 3, "ucla_2": 2, "ucla_3": 1, "participation": 4}


@pytest.fixture
def traveller():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def participant(request, traveller):
    return _participant_of(request.getfixturevalue)


@pytest.fixture
def other(alice, hela_manniskan, participant):
    return participant_register(
        organisation=hela_manniskan,
        actor=alice,
        display_name="Robin Other",
        birth_year=1990,
        gender="man",
        entry_path="outreach",
        crisis_relevant=False,
        intervention_start=date(2026, 6, 1),
    )


def _fill_url(token):
    return reverse("plans:self_rating_fill", kwargs={"token": token})


def _ratings_url(participant):
    return reverse("plans:self_ratings", kwargs={"pk": participant.pk})


def _last_event():
    return AccessEvent.objects.order_by("id").last()


# --- the case manager's entry ------------------------------------------------------------


def test_record_a_rating(participant, alice):
    rating = self_rating_record(
        participant=participant,
        actor=alice,
        phase="baseline",
        rated_on=date(2026, 6, 5),
        **SCORES,
    )
    assert rating.ucla_sum == 6
    assert rating.source == RatingSource.STAFF
    assert self_rating_content(rating) == {
        "phase": "baseline",
        "rated_on": "2026-06-05",
        "ucla": [3, 2, 1],
        "participation": 4,
    }
    event = _last_event()
    assert (event.action, event.detail) == (AccessEvent.Action.CREATE, f"self-rating {rating.pk}")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ucla_1": 0}, "ucla_1"),
        ({"ucla_2": 4}, "ucla_2"),
        ({"participation": 0}, "participation"),
        ({"participation": 6}, "participation"),
        ({"rated_on": date(2026, 11, 24)}, "rated_on"),
        ({"rated_on": date(2026, 5, 31)}, "rated_on"),
        ({"phase": "during"}, "phase"),
    ],
)
def test_record_validation(participant, alice, change, field):
    values = {"phase": "baseline", "rated_on": date(2026, 6, 5), **SCORES, **change}
    with pytest.raises(ValidationError) as error:
        self_rating_record(participant=participant, actor=alice, **values)
    assert field in error.value.error_dict
    assert not SelfRating.objects.exists()


def test_edge_values_are_accepted(participant, alice):
    for values in (
        {"ucla_1": 1, "ucla_2": 1, "ucla_3": 1, "participation": 1, "rated_on": date(2026, 6, 1)},
        {"ucla_1": 3, "ucla_2": 3, "ucla_3": 3, "participation": 5, "rated_on": date(2026, 11, 23)},
    ):
        self_rating_record(participant=participant, actor=alice, phase="follow_up", **values)
    assert SelfRating.objects.count() == 2


def test_ratings_page_lists_and_enters(participant, alice):
    client = english_client(alice)
    response = client.get(_ratings_url(participant))
    assert response.status_code == 200
    assert b"2026-06-15" in response.content  # baseline due: start + 14 days
    assert b"Hardly ever" in response.content
    assert b"Create a link for the participant" in response.content
    response = client.post(
        _ratings_url(participant),
        {"phase": "baseline", "rated_on": "2026-06-05", **ANSWERS},
        follow=True,
    )
    assert b"The self-rating was saved." in response.content
    assert SelfRating.objects.get().entered_by == alice
    assert b"2026-06-05" in response.content


def test_ratings_page_shows_field_errors(participant, alice):
    response = english_client(alice).post(
        _ratings_url(participant),
        {"phase": "baseline", "rated_on": "2026-12-01", **ANSWERS},
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("rated_on")
    assert b"cannot be in the future" in response.content
    assert not SelfRating.objects.exists()


def test_ratings_page_view_is_logged(participant, alice):
    english_client(alice).get(_ratings_url(participant))
    event = _last_event()
    assert (event.action, event.detail) == (AccessEvent.Action.VIEW, "self-ratings")
    assert event.object_id == str(participant.pk)


# --- the link ----------------------------------------------------------------------------


def test_link_stores_only_the_digest_and_is_logged(participant, alice):
    link, token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    assert len(token) >= 40
    assert link.token_digest == token_digest(token)
    assert token not in link.token_digest
    assert link.expires_at == timezone.now() + timedelta(days=7)
    assert self_rating_link_find(token) == link
    assert self_rating_link_find(token + "x") is None
    event = _last_event()
    assert (event.action, event.detail) == (
        AccessEvent.Action.CREATE,
        f"self-rating link {link.pk}",
    )


def test_link_page_shows_the_url_and_qr_once(participant, alice):
    client = english_client(alice)
    response = client.post(
        reverse("plans:self_rating_link_create", kwargs={"pk": participant.pk}),
        {"phase": "follow_up"},
    )
    link = SelfRatingLink.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "plans:self_rating_link", kwargs={"pk": participant.pk, "link_pk": link.pk}
    )
    first = client.get(response["Location"])
    url = first.context["url"]
    assert "/plans/rate/" in url
    assert link.token_digest == token_digest(url.rstrip("/").rsplit("/", 1)[1])
    assert b"<svg" in first.content
    assert b"Unused" in first.content
    again = client.get(response["Location"])
    assert again.context["url"] is None
    assert b"<svg" not in again.content
    assert b"shown once" in again.content


def test_link_page_status_used_and_expired(participant, alice, traveller):
    link, token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    url = reverse("plans:self_rating_link", kwargs={"pk": participant.pk, "link_pk": link.pk})
    client = english_client(alice)
    self_rating_submit(token=token, values=SCORES)
    assert b"Used on 2026-11-23" in client.get(url).content
    second, _token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    traveller.shift(timedelta(days=8))
    client = english_client(alice)
    url = reverse("plans:self_rating_link", kwargs={"pk": participant.pk, "link_pk": second.pk})
    assert b"Expired" in client.get(url).content


def test_participant_fills_in_without_login(participant, alice):
    link, token = self_rating_link_create(participant=participant, phase="follow_up", actor=alice)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(_fill_url(token))
    assert page.status_code == 200
    html = page.content.decode()
    assert participant.display_name not in html
    assert participant.reference not in html
    assert "Hela" not in html
    assert "Log out" not in html
    assert 'aria-label="Main navigation"' not in html
    assert "How often do you feel left out?" in html
    response = client.post(_fill_url(token), ANSWERS)
    assert response.status_code == 200
    assert b"Thank you" in response.content
    rating = SelfRating.objects.get()
    assert rating.participant == participant
    assert rating.phase == "follow_up"
    assert rating.source == RatingSource.PARTICIPANT
    assert rating.entered_by is None
    assert rating.rated_on == date(2026, 11, 23)
    link.refresh_from_db()
    assert link.used_at is not None
    assert link.rating == rating
    event = _last_event()
    assert event.action == AccessEvent.Action.CREATE
    assert event.actor is None
    assert event.detail == f"self-rating via link {link.pk}"
    assert event.object_id == str(participant.pk)


def test_public_page_is_swedish_by_default(participant, alice):
    _link, token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    with translation.override("sv"):
        response = Client().get(_fill_url(token))
    assert response.status_code == 200
    assert 'lang="sv"' in response.content.decode()


def test_a_link_is_used_once(participant, alice):
    _link, token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    first, second = Client(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT_LANGUAGE="en")
    assert second.get(_fill_url(token)).status_code == 200  # a second tab, opened before
    assert first.post(_fill_url(token), ANSWERS).status_code == 200
    again = first.post(_fill_url(token), ANSWERS)
    assert again.status_code == 410
    assert b"already been used or has expired" in again.content
    assert second.post(_fill_url(token), ANSWERS).status_code == 410
    assert first.get(_fill_url(token)).status_code == 410
    assert SelfRating.objects.count() == 1
    with pytest.raises(SelfRatingLinkUnusable):
        self_rating_submit(token=token, values=SCORES)


def test_link_expires_after_7_days(participant, alice, traveller):
    _link, token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    traveller.shift(timedelta(days=6, hours=23))
    assert client.get(_fill_url(token)).status_code == 200
    traveller.shift(timedelta(hours=1))
    response = client.get(_fill_url(token))
    assert response.status_code == 410
    assert b"already been used or has expired" in response.content
    assert client.post(_fill_url(token), ANSWERS).status_code == 410
    assert not SelfRating.objects.exists()


def test_link_valid_at_6_days_23_hours_accepts_answers(participant, alice, traveller):
    _link, token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    traveller.shift(timedelta(days=6, hours=23))
    assert Client().post(_fill_url(token), ANSWERS).status_code == 200
    assert SelfRating.objects.count() == 1


def test_unknown_token_is_404(participant):
    client = Client()
    assert client.get(_fill_url("no-such-token")).status_code == 404
    assert client.post(_fill_url("no-such-token"), ANSWERS).status_code == 404
    with pytest.raises(SelfRatingLink.DoesNotExist):
        self_rating_submit(token="no-such-token", values=SCORES)


def test_the_link_decides_participant_and_phase(participant, other, alice):
    _link, token = self_rating_link_create(participant=other, phase="baseline", actor=alice)
    response = Client().post(
        _fill_url(token),
        {
            **ANSWERS,
            "participant": participant.pk,
            "participant_id": participant.pk,
            "phase": "follow_up",
            "rated_on": "2026-06-02",
            "source": "staff",
        },
    )
    assert response.status_code == 200
    rating = SelfRating.objects.get()
    assert rating.participant == other
    assert rating.phase == "baseline"
    assert rating.rated_on == date(2026, 11, 23)
    assert rating.source == RatingSource.PARTICIPANT
    assert not participant.self_ratings.exists()


def test_missing_answers_show_the_questions_again(participant, alice):
    link, token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        _fill_url(token), {"ucla_1": "1", "ucla_2": "9"}
    )
    assert response.status_code == 200
    assert b"Choose one answer." in response.content
    assert not SelfRating.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None


def test_import_uses_the_same_rules(participant, alice):
    content = {"phase": "baseline", "rated_on": "2026-06-05", "ucla": [3, 2, 3], "participation": 2}
    rating = self_rating_import(participant=participant, content=content, actor=alice)
    assert self_rating_content(rating) == content
    with pytest.raises(ValidationError):
        self_rating_import(
            participant=participant, content={**content, "ucla": [3, 2]}, actor=alice
        )
    with pytest.raises(ValidationError):
        self_rating_import(
            participant=participant, content={**content, "participation": 6}, actor=alice
        )
