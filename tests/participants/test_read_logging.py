"""security.md 33: reads of lists, searches, the start page, reminders, activities and a contact's
history are logged; so are refused attempts on an existing participant, and the intake's
duplicate check (an oracle for "is this identity number a participant here"), which is also
rate-limited per user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cm_portal.models import AccessEvent
from participants import services
from participants.models import Participant
from plans.services.meetings import meeting_book
from tests.plans.rows_dashboard import deadline_for, reminder_for

from .factories import log_contact, register
from .test_activities_and_assignment import make_activity
from .test_views import intake_form

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
IDENTITY_NUMBER = "19811218-9876"


def rows(**filters) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(**filters).order_by("id"))


def test_the_list_and_its_search_are_logged_without_the_search_text(
    client_as, alice, hela_manniskan
):
    for name in ("Kim", "Lo", "Robin"):
        register(hela_manniskan, alice, display_name=name)
    client = client_as("alice")

    client.get(reverse("participants:list"))
    client.get(reverse("participants:list"), {"q": "Robin"})

    logged = rows(action=Action.VIEW, object_type="participant_list", actor=alice)
    assert [row.detail for row in logged] == ["list, 3 rows shown", "search, 1 rows shown"]
    assert not AccessEvent.objects.filter(detail__icontains="Robin").exists()


def test_the_start_page_reminders_and_activities_are_logged(client_as, alice, hela_manniskan):
    kim = register(hela_manniskan, alice, display_name="Kim")
    deadline = deadline_for(kim, due_on=timezone.localdate() + timedelta(days=3))
    reminder_for(deadline, alice)
    make_activity(hela_manniskan, alice)
    client = client_as("alice")

    assert client.get(reverse("plans:dashboard")).status_code == 200
    assert client.get(reverse("plans:reminders")).status_code == 200
    assert client.get(reverse("participants:activity_list")).status_code == 200

    logged = {
        row.object_type: row.detail for row in rows(action=Action.VIEW, actor=alice, object_id="")
    }
    assert logged == {
        "dashboard": "1 rows shown",
        "reminders": "1 rows shown",
        "activity_list": "1 rows shown",
    }


def test_the_contact_edit_page_with_its_history_is_logged(client_as, alice, participant):
    contact = log_contact(participant, alice, note="Första mötet")
    response = client_as("alice").get(
        reverse("participants:contact_edit", args=[participant.pk, contact.pk])
    )

    assert response.status_code == 200
    assert rows(
        action=Action.VIEW,
        actor=alice,
        object_type="participant",
        object_id=str(participant.pk),
        detail=f"contact {contact.pk} with its history",
    )


@pytest.mark.parametrize("persona", ["bob", "charlie", "steve", "ada"])
def test_a_refused_attempt_on_an_existing_participant_is_logged(
    client_as, participant, persona, request
):
    user = request.getfixturevalue(persona)
    client = client_as(persona)

    assert client.get(reverse("participants:detail", args=[participant.pk])).status_code == 404
    missing = Participant.objects.order_by("-pk").first().pk + 1000
    assert client.get(reverse("participants:detail", args=[missing])).status_code == 404

    refused = rows(action=Action.REFUSED)
    assert [(row.actor, row.object_type, row.object_id) for row in refused] == [
        (user, "participant", str(participant.pk))
    ]


def test_a_refusal_through_a_meeting_is_logged_against_its_participant(
    client_as, alice, participant
):
    meeting = meeting_book(
        participant=participant,
        actor=alice,
        kind="intern_sip",
        need="Boende",
        meeting_on=timezone.localdate() + timedelta(days=20),
        units=["Vuxenenheten"],
        outside_parties=[],
        participant_agreed=True,
    )
    response = client_as("charlie").get(
        reverse("plans:meeting_detail", args=[meeting.participant_id, meeting.pk])
    )

    assert response.status_code == 404
    assert rows(action=Action.REFUSED, object_id=str(participant.pk))


def test_the_duplicate_check_is_logged_with_the_participant_it_matched(
    client_as, alice, hela_manniskan
):
    robin = register(
        hela_manniskan,
        alice,
        display_name="Robin",
        birth_year=1981,
        personal_identity_number=IDENTITY_NUMBER,
    )
    client = client_as("alice")

    response = client.post(
        reverse("participants:create"),
        intake_form(
            display_name="Someone else", birth_year=1981, personal_identity_number="811218-9876"
        ),
    )
    assert response.status_code == 200  # asks to confirm
    client.post(reverse("participants:create"), intake_form(display_name="Nobody", birth_year=1999))

    checks = rows(action=Action.DUPLICATE_CHECK, actor=alice)
    assert [(row.object_type, row.object_id, row.detail) for row in checks] == [
        ("participant", str(robin.pk), "matched at intake"),
        ("duplicate_check", "", "no match"),
    ]
    for digits in ("811218", "9876"):
        assert not AccessEvent.objects.filter(detail__contains=digits).exists()


def test_the_duplicate_check_is_limited_per_user(client_as, alice, bob, hela_manniskan):
    cache.clear()
    register(
        hela_manniskan,
        alice,
        display_name="Robin",
        birth_year=1981,
        personal_identity_number=IDENTITY_NUMBER,
    )
    client = client_as("alice")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    probe = intake_form(display_name="X", birth_year=1981, personal_identity_number=IDENTITY_NUMBER)
    url = reverse("participants:create")

    for _ in range(services.DUPLICATE_CHECKS_PER_HOUR):
        assert "Kontrollera" in client.post(url, probe).content.decode()
    answer = client.post(url, probe)

    assert services.DUPLICATE_CHECKS_PER_HOUR == 20
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Du har kontrollerat många personnummer på kort tid" in page
    assert rows(action=Action.DUPLICATE_CHECK, actor=alice).__len__() == 20
    assert rows(action=Action.REFUSED, actor=alice, object_type="duplicate_check")
    # ticking "register anyway" does not get round the limit
    assert client.post(url, probe | {"register_anyway": "on"}).status_code == 200
    assert Participant.objects.count() == 1
    # another user still has their own checks
    assert client_as("bob").post(url, probe).status_code == 200
    assert rows(action=Action.DUPLICATE_CHECK, actor=bob)
