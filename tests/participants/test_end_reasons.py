"""The coded reason a case ended (issue 20 "whether and why the case ended"): required at
closing beside an optional free text, kept in case files, "other" for the cases closed
before it existed."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from participants import services
from participants.models import CaseChange, EndReason, Participant
from tests.consent.test_case_files import export, file_of, import_errors, run_import, valid_case

from .factories import close_case, register

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
migration_0008 = importlib.import_module("participants.migrations.0008_end_reason_code")


def _close(client, participant, **data):
    return client.post(
        reverse("participants:close", args=[participant.pk]),
        {"end_date": str(TODAY()), **data},
    )


# --- the close page ----------------------------------------------------------------------


def test_the_close_page_offers_every_reason_as_a_radio_button(client_as, alice, participant):
    page = client_as("alice").get(reverse("participants:close", args=[participant.pk]))
    html = page.content.decode()

    assert html.count('type="radio"') == len(EndReason.choices)
    for code, label in EndReason.choices:
        assert f'name="reason_code" value="{code}"' in html
        assert str(label) in html


def test_a_case_is_closed_with_a_code_and_no_free_text(client_as, alice, participant):
    response = _close(client_as("alice"), participant, reason_code="transferred", confirmed="yes")

    assert response.status_code == 302
    participant.refresh_from_db()
    assert (participant.end_reason_code, participant.end_reason) == ("transferred", "")
    changed = set(
        CaseChange.objects.filter(participant=participant).values_list("field", flat=True)
    )
    assert {"intervention_end", "end_reason_code"} <= changed


def test_without_a_code_the_case_stays_open_and_the_page_says_why(client_as, alice, participant):
    response = _close(client_as("alice"), participant, reason="Flyttade", confirmed="yes")

    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert 'name="reason" value="Flyttade"' in html  # what was typed is kept
    participant.refresh_from_db()
    assert participant.is_open


def test_an_unknown_code_is_refused(client_as, alice, participant):
    response = _close(client_as("alice"), participant, reason_code="bored", confirmed="yes")

    assert response.status_code == 400
    participant.refresh_from_db()
    assert participant.is_open


def test_the_confirmation_names_the_reason_and_the_detail(client_as, alice, participant):
    response = _close(
        client_as("alice"), participant, reason_code="declined", reason="Vill klara sig själv"
    )

    html = response.content.decode()
    assert "Reason: Declined further support." in html
    assert "Vill klara sig själv" in html
    participant.refresh_from_db()
    assert participant.is_open


def test_the_confirmation_and_the_overview_are_in_swedish_for_a_swedish_reader(
    persona_client, alice, participant
):
    client = persona_client("alice")  # Swedish, the default language
    confirmation = _close(client, participant, reason_code="goals_met").content.decode()
    assert "Målen uppnådda" in confirmation

    _close(client, participant, reason_code="goals_met", reason="Eget boende", confirmed="yes")
    overview = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()

    assert "Målen uppnådda: Eget boende" in overview


def test_reopening_clears_the_code_and_the_text(alice, participant):
    close_case(participant, alice, on=TODAY(), reason_code="no_contact", reason="Svarar inte")
    services.participant_reopen(participant=participant, actor=alice)

    participant.refresh_from_db()
    assert (participant.end_reason_code, participant.end_reason) == ("", "")
    assert participant.is_open


# --- the model's rule -------------------------------------------------------------------


def test_the_service_refuses_a_closing_without_a_code(alice, participant):
    with pytest.raises(ValidationError) as raised:
        services.participant_close(
            participant=participant, end_date=TODAY(), reason_code="", reason="x", actor=alice
        )

    assert "end_reason_code" in raised.value.error_dict
    participant.refresh_from_db()
    assert participant.is_open


def test_an_open_case_cannot_have_a_reason(alice, hela_manniskan):
    with pytest.raises(ValidationError) as raised:
        register(hela_manniskan, alice, end_reason_code="moved")

    assert "end_reason_code" in raised.value.error_dict


# --- the cases closed before the codes ----------------------------------------------------


def test_the_migration_gives_closed_cases_other_and_keeps_their_text(alice, hela_manniskan):
    closed = register(
        hela_manniskan,
        alice,
        intervention_end=TODAY() - timedelta(days=1),
        end_reason_code="moved",
        end_reason="Flyttade till Malmö",
    )
    coded = register(
        hela_manniskan,
        alice,
        intervention_end=TODAY(),
        end_reason_code="died",
        end_reason="",
    )
    still_open = register(hela_manniskan, alice)
    Participant.objects.filter(pk=closed.pk).update(end_reason_code="")  # as before 0008

    migration_0008.forwards(apps, None)

    values = dict(
        Participant.objects.values_list("pk", "end_reason_code").filter(
            pk__in=[closed.pk, coded.pk, still_open.pk]
        )
    )
    assert values == {closed.pk: "other", coded.pk: "died", still_open.pk: ""}
    closed.refresh_from_db()
    assert closed.end_reason == "Flyttade till Malmö"


# --- case files ----------------------------------------------------------------------------


def test_the_case_file_carries_the_code_and_reads_it_back(tmp_path, alice, ada, hela_manniskan):
    register(
        hela_manniskan,
        alice,
        reference="HM-0500",
        intervention_end=TODAY(),
        end_reason_code="transferred",
        end_reason="Till vuxenpsykiatrin",
    )
    register(hela_manniskan, alice, reference="HM-0501")
    exported = export()
    people = {
        case["participant"]["reference"]: case["participant"]
        for case in json.loads(exported)["cases"]
    }
    assert people["HM-0500"]["end_reason_code"] == "transferred"
    assert people["HM-0500"]["end_reason"] == "Till vuxenpsykiatrin"
    assert people["HM-0501"]["end_reason_code"] is None

    Participant.objects.all().delete()
    run_import(tmp_path, exported)

    assert Participant.objects.get(reference="HM-0500").end_reason_code == "transferred"
    assert export() == exported


def test_a_closed_case_from_a_file_without_the_code_is_other(tmp_path, alice, ada, district):
    closed = valid_case("HM-0600", intervention_end="2026-09-01", end_reason="Flyttade")
    still_open = valid_case("HM-0601")

    run_import(tmp_path, file_of(closed, still_open))

    imported = dict(
        Participant.objects.filter(reference__in=["HM-0600", "HM-0601"]).values_list(
            "reference", "end_reason_code"
        )
    )
    assert imported == {"HM-0600": EndReason.OTHER, "HM-0601": ""}
    assert Participant.objects.get(reference="HM-0600").end_reason == "Flyttade"


def test_a_bad_or_misplaced_code_in_a_file_is_named(tmp_path, alice, ada, district):
    unknown = valid_case("HM-0700", intervention_end="2026-09-01", end_reason_code="bored")
    without_end = valid_case("HM-0701", end_reason_code="moved")

    errors = import_errors(tmp_path, file_of(unknown, without_end))

    assert any(
        "cases[0]" in error and "participant.end_reason_code" in error and "bored" in error
        for error in errors
    ), errors
    assert any(
        "cases[1]" in error and "participant.end_reason_code" in error for error in errors
    ), errors
    assert not Participant.objects.filter(reference__in=["HM-0700", "HM-0701"]).exists()
