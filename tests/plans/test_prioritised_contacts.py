"""Prioritised contacts: the date rules, the 3-month marking, editing with history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cm_portal.models import AccessEvent
from participants.models import CaseChange
from plans.models import PrioritisedContact
from plans.selectors.prioritised_contacts import contact_rows
from plans.services.prioritised_contacts import (
    arguments_of,
    prioritised_contact_create,
    prioritised_contact_update,
)

from .helpers_individual_plan import english_client, plan_participant_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

START = date(2026, 6, 1)


@pytest.fixture
def participant(request):
    return plan_participant_of(request.getfixturevalue)


def create(participant, alice, **values):
    fields = {"actor_kind": "healthcare", "actor": "Vårdcentralen", "planned_on": date(2026, 7, 1)}
    fields.update(values)
    return prioritised_contact_create(participant=participant, actor=alice, **arguments_of(fields))


def test_create_and_log(participant, alice):
    contact = create(participant, alice)
    assert contact.status == "planned"
    assert AccessEvent.objects.filter(
        action="create", object_id=str(participant.pk), detail=f"prioritised contact {contact.pk}"
    ).exists()


def test_completed_needs_a_date(participant, alice):
    with pytest.raises(ValidationError) as caught:
        create(participant, alice, status="completed")
    assert caught.value.message_dict["completed_on"] == ["Give the date the contact was completed."]


def test_only_completed_has_a_completion_date(participant, alice):
    with pytest.raises(ValidationError) as caught:
        create(participant, alice, status="cancelled", completed_on=date(2026, 7, 2))
    assert "Only a completed contact" in caught.value.message_dict["completed_on"][0]


def test_completed_on_not_in_the_future(participant, alice):
    with pytest.raises(ValidationError) as caught:
        create(
            participant,
            alice,
            status="completed",
            completed_on=timezone.localdate() + timedelta(days=1),
        )
    assert "future" in caught.value.message_dict["completed_on"][0]


def test_dates_not_before_the_start(participant, alice):
    with pytest.raises(ValidationError) as caught:
        create(
            participant,
            alice,
            planned_on=date(2026, 5, 1),
            status="completed",
            completed_on=date(2026, 5, 2),
        )
    assert set(caught.value.message_dict) == {"planned_on", "completed_on"}
    assert "(2026-06-01)" in caught.value.message_dict["planned_on"][0]
    assert not PrioritisedContact.objects.exists()


def test_planned_date_may_be_in_the_future(participant, alice):
    contact = create(participant, alice, planned_on=timezone.localdate() + timedelta(days=60))
    assert contact.pk


def test_update_keeps_old_and_new_values(participant, alice):
    contact = create(participant, alice)
    changed = prioritised_contact_update(
        contact=contact, actor=alice, status="completed", completed_on=date(2026, 7, 3)
    )
    assert changed == ["status", "completed_on"]
    changes = CaseChange.objects.filter(object_type="prioritisedcontact", object_id=contact.pk)
    assert {(c.field, c.old_value, c.new_value) for c in changes} == {
        ("status", "planned", "completed"),
        ("completed_on", "", "2026-07-03"),
    }


def test_the_three_month_marking(participant, alice):
    due = create(participant, alice, planned_on=date(2026, 8, 31))
    on_d3 = create(participant, alice, planned_on=date(2026, 9, 1))
    after = create(participant, alice, planned_on=date(2026, 9, 2))
    done = create(
        participant,
        alice,
        planned_on=date(2026, 7, 1),
        status="completed",
        completed_on=date(2026, 7, 1),
    )
    cancelled = create(participant, alice, planned_on=date(2026, 7, 2), status="cancelled")
    d3, rows = contact_rows(participant)
    assert d3 == date(2026, 9, 1)
    marked = {row.contact.pk for row in rows if row.due_before_d3}
    assert marked == {due.pk, on_d3.pk}
    assert not marked & {after.pk, done.pk, cancelled.pk}


@time_machine.travel(date(2026, 7, 15), tick=False)
def test_the_list_page_marks_what_is_due_and_logs_the_view(participant, alice):
    create(participant, alice, actor="Tandvården", planned_on=date(2026, 8, 1))
    create(participant, alice, actor="Arbetsförmedlingen", planned_on=date(2026, 10, 1))
    response = english_client(alice).get(
        reverse("plans:prioritised_contacts", kwargs={"pk": participant.pk})
    )
    text = response.content.decode()
    assert "The 3-month date is 2026-09-01." in text
    assert "1 contact is due before the 3-month date and not yet completed." in text
    assert text.count("due before the 3-month date</span>") == 1
    badge = text.index("due before the 3-month date</span>")
    assert text.index("2026-08-01") < badge < text.index("Tandvården")
    assert badge < text.index("Arbetsförmedlingen")
    assert AccessEvent.objects.filter(
        action="view", object_id=str(participant.pk), detail="prioritised contacts"
    ).exists()


def test_add_through_the_web(participant, alice):
    url = reverse("plans:prioritised_contacts", kwargs={"pk": participant.pk})
    response = english_client(alice).post(
        url,
        {
            "actor_kind": "other",
            "actor": "Kyrkan",
            "planned_on": "2026-07-20",
            "status": "planned",
            "completed_on": "",
        },
    )
    assert response.status_code == 302
    assert PrioritisedContact.objects.get().actor == "Kyrkan"


def test_add_through_the_web_shows_errors_on_the_fields(participant, alice):
    url = reverse("plans:prioritised_contacts", kwargs={"pk": participant.pk})
    response = english_client(alice).post(
        url,
        {
            "actor_kind": "other",
            "actor": "Kyrkan",
            "planned_on": "2026-07-20",
            "status": "completed",
            "completed_on": "",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["completed_on"] == [
        "Give the date the contact was completed."
    ]
    assert not PrioritisedContact.objects.exists()


def test_edit_through_the_web_shows_the_history(participant, alice):
    contact = create(participant, alice)
    client = english_client(alice)
    url = reverse(
        "plans:prioritised_contact_edit",
        kwargs={"pk": participant.pk, "contact_pk": contact.pk},
    )
    assert "Not changed since it was added." in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "actor_kind": "healthcare",
            "actor": "Vårdcentralen",
            "planned_on": "2026-07-01",
            "status": "completed",
            "completed_on": "2026-07-03",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.status, contact.completed_on) == ("completed", date(2026, 7, 3))
    page = client.get(url).content.decode()
    assert "status from “planned” to “completed”" in page
    assert AccessEvent.objects.filter(
        action="change", detail=f"prioritised contact {contact.pk} status,completed_on"
    ).exists()
