"""The case-file format: export, all-or-nothing import, and the participant's own export."""

from __future__ import annotations

import copy
import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cm_portal.models import AccessEvent
from consent import services
from consent.case_files import sections
from consent.models import Consent
from participants.models import Contact, Participant
from participants.services import contact_log, participant_assign, participant_register

from .helpers import INTAKE
from .helpers import english_client as verified_client

pytestmark = pytest.mark.django_db


def export(*args: str) -> str:
    out = StringIO()
    call_command("export_case_files", *args, stdout=out)
    return out.getvalue()


def run_import(tmp_path, data, *args: str, as_email: str = "ada@district.example") -> str:
    path = tmp_path / "cases.json"
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_case_files", str(path), "--as", as_email, *args, stdout=out)
    return out.getvalue()


def import_errors(tmp_path, data, *args: str) -> list[str]:
    with pytest.raises(CommandError) as raised:
        run_import(tmp_path, data, *args)
    return str(raised.value).splitlines()[1:]


@pytest.fixture
def cases(alice, bob, ada, hela_manniskan, district):
    """Two participants with contacts and consents, one closed and one with a withdrawal."""
    first = participant_register(
        organisation=hela_manniskan,
        actor=alice,
        reference="HM-0001",
        display_name="Kim Åberg",
        personal_identity_number="200311170005",
        **{**INTAKE, "crisis_relevant": True},
    )
    participant_assign(participant=first, case_manager=bob, actor=alice)
    contact_log(
        participant=first, actor=alice, date=date(2026, 6, 5), kind="phone", duration_minutes=15
    )
    contact_log(
        participant=first,
        actor=alice,
        date=date(2026, 6, 2),
        kind="meeting",
        duration_minutes=60,
        counterpart="Mamma",
        note="Första mötet",
    )
    consent = services.consent_record(
        participant=first,
        actor=alice,
        organisations=[district, hela_manniskan],
        external_names=["Vårdcentralen Älvsjö"],
        purpose="Samordning",
        signed_on=date(2026, 5, 30),
        signed_by="participant",
        valid_until=date(2027, 5, 30),
    )
    services.consent_withdraw(
        consent=consent, withdrawn_on=date(2026, 7, 1), by_whom="participant", actor=alice
    )
    second = participant_register(
        organisation=hela_manniskan,
        actor=alice,
        reference="HM-0002",
        birth_year=2009,
        gender="man",
        entry_path="other",
        crisis_relevant=False,
        intervention_start=date(2026, 6, 1),
        intervention_end=date(2026, 9, 1),
        end_reason_code="moved",
        end_reason="Moved away",
    )
    services.consent_record(
        participant=second,
        actor=alice,
        external_names=["Skolan"],
        purpose="Skola",
        signed_on=date(2026, 6, 1),
        signed_by="guardian",
        guardian_name="Förälder Ett",
    )
    return [first, second]


def valid_case(reference: str = "HM-0100", **participant) -> dict:
    return {
        "participant": {
            "organisation": "hela-manniskan",
            "reference": reference,
            "birth_year": 2004,
            "gender": "woman",
            "entry_path": "outreach",
            "crisis_relevant": False,
            "intervention_start": "2026-06-01",
            "case_managers": ["alice@hela.example"],
            **participant,
        },
        "plan": None,
        "prioritised_contacts": [],
        "crisis_plan": None,
        "self_ratings": [],
        "contacts": [{"date": "2026-06-02", "kind": "meeting", "duration_minutes": 60}],
        "consents": [
            {
                "parties": ["district"],
                "purpose": "Samordning",
                "signed_on": "2026-06-01",
                "signed_by": "participant",
            }
        ],
        "coordination_meetings": [],
    }


def file_of(*cases: dict) -> dict:
    return {"format": "cm-portal/case-files", "version": 1, "cases": list(cases)}


def test_export_shape(cases):
    data = json.loads(export())
    assert (data["format"], data["version"]) == ("cm-portal/case-files", 1)
    first, second = data["cases"]
    assert list(first) == [
        "participant",
        "plan",
        "prioritised_contacts",
        "crisis_plan",
        "self_ratings",
        "contacts",
        "consents",
        "coordination_meetings",
        "intern_sip_offers",
    ]
    assert first["participant"]["case_managers"] == ["alice@hela.example", "bob@hela.example"]
    assert first["participant"]["programme"] == "vagledning-i-vardagslivet"
    assert first["participant"]["personal_identity_number"] == "20031117-0005"
    assert [contact["date"] for contact in first["contacts"]] == ["2026-06-02", "2026-06-05"]
    assert first["consents"][0]["parties"] == ["district", "hela-manniskan", "Vårdcentralen Älvsjö"]
    assert first["consents"][0]["withdrawn_on"] == "2026-07-01"
    assert second["participant"]["personal_identity_number"] is None
    assert (second["participant"]["intervention_end"], second["participant"]["end_reason"]) == (
        "2026-09-01",
        "Moved away",
    )
    assert [
        case["participant"]["reference"]
        for case in json.loads(export("--reference", "HM-0002"))["cases"]
    ] == ["HM-0002"]
    assert json.loads(export("--organisation", "district"))["cases"] == []


def test_export_import_export_round_trips(cases, tmp_path):
    exported = export()
    Participant.objects.all().delete()
    output = run_import(tmp_path, exported)
    assert "Imported 2 case(s) with 6 record(s) (2 participants, 2 contacts, 2 consents)" in output
    assert export() == exported


def test_import_logs_one_import_event_per_case_by_the_operator(tmp_path, ada, alice, district):
    run_import(tmp_path, file_of(valid_case("HM-0100"), valid_case("HM-0101")))
    events = AccessEvent.objects.filter(action=AccessEvent.Action.CREATE, detail="import")
    assert events.count() == 2
    assert {event.actor for event in events} == {ada}
    imported = Participant.objects.get(reference="HM-0100")
    assert imported.contacts.count() == 1
    assert imported.consents.get().parties.get().organisation == district


def test_a_case_manager_operator_is_not_assigned_unless_the_file_says_so(tmp_path, alice, bob):
    run_import(tmp_path, file_of(valid_case()), as_email="bob@hela.example")
    data = json.loads(export())
    assert data["cases"][0]["participant"]["case_managers"] == ["alice@hela.example"]


def test_export_logs_only_with_an_operator(cases, ada):
    before = AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).count()
    export()
    assert AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).count() == before
    export("--as", "ada@district.example")
    events = AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT)
    assert events.count() == before + 2
    assert {event.actor for event in events} == {ada}


def test_every_error_names_the_case_and_field(tmp_path, alice, ada, district, cases):
    bad_types = valid_case(
        "HM-0200",
        birth_year="2004",
        gender="female",
        intervention_start="1/6/2026",
        case_managers=["nobody@example.org"],
    )
    bad_types["contacts"][0]["kind"] = "letter"
    bad_org = valid_case("X-1", organisation="nowhere")
    existing = valid_case("HM-0001")
    duplicate = valid_case("HM-0300")
    service_rules = valid_case("HM-0300")
    service_rules["participant"]["reference"] = "HM-0301"
    service_rules["participant"]["birth_year"] = 1850
    future = valid_case("HM-0302")
    future["contacts"][0]["date"] = "2099-01-01"
    future["consents"][0]["signed_on"] = "2099-01-01"
    errors = import_errors(
        tmp_path,
        file_of(
            bad_types,
            bad_org,
            existing,
            duplicate,
            valid_case("HM-0300"),
            service_rules,
            future,
        ),
    )
    assert "cases[0] (HM-0200) participant.birth_year: must be a whole number" in errors
    assert any(e.startswith("cases[0] (HM-0200) participant.gender: unknown value") for e in errors)
    assert (
        "cases[0] (HM-0200) participant.intervention_start: must be a date written YYYY-MM-DD"
        in errors
    )
    assert "cases[0] (HM-0200) participant.case_managers[0]: no staff account" in errors
    assert any(e.startswith("cases[0] (HM-0200) contacts[0].kind: unknown value") for e in errors)
    assert "cases[1] (X-1) participant.organisation: unknown organisation" in errors
    assert (
        "cases[2] (HM-0001) participant.reference: "
        "a participant with this reference already exists in the organisation"
    ) in errors
    assert "cases[4] (HM-0300) participant.reference: the reference is used by cases[3] too" in (
        errors
    )
    assert (
        "cases[5] (HM-0301) participant.birth_year: Enter a birth year between 1900 and this year."
        in errors
    )
    assert "cases[6] (HM-0302) contacts[0].date: A contact cannot be dated in the future." in (
        errors
    )
    assert (
        "cases[6] (HM-0302) consents[0].signed_on: The signing date cannot be in the future."
        in errors
    )
    assert not any(e.startswith("cases[3]") for e in errors)


def test_a_part_that_no_installed_app_reads_is_refused(tmp_path, monkeypatch, ada):
    """Without the plans app's sections, plan parts are refused rather than dropped."""
    monkeypatch.setattr(sections, "_sections", {})
    with_plan = valid_case("HM-0303")
    with_plan["plan"] = {"established_on": None, "goals": [], "contact_paths": []}
    with_plan["self_ratings"] = [{"phase": "baseline"}]
    errors = import_errors(tmp_path, file_of(with_plan))
    assert "cases[0] (HM-0303) plan: this installation cannot import this part of a case" in errors
    assert (
        "cases[0] (HM-0303) self_ratings: this installation cannot import this part of a case"
        in errors
    )


def test_format_errors(tmp_path, ada):
    errors = import_errors(tmp_path, {"format": "other", "version": 2, "cases": {}})
    assert errors == [
        "format: unknown format, expected cm-portal/case-files",
        "version: unknown version, expected 1",
        "cases: must be a list",
    ]
    with pytest.raises(CommandError, match="not valid JSON"):
        run_import(tmp_path, "{oops")


def test_a_file_nested_too_deeply_is_refused_with_a_message(tmp_path, ada):
    depth = 100_000  # json.loads recurses once a level and would raise RecursionError
    with pytest.raises(CommandError, match="nested too deeply"):
        run_import(tmp_path, '{"cases": ' + "[" * depth + "]" * depth + "}")
    assert not Participant.objects.exists()


def test_missing_and_unknown_fields(tmp_path, ada, alice, district):
    case = valid_case()
    del case["participant"]["birth_year"]
    case["participant"]["shoe_size"] = 42
    case["consents"][0]["signed_on"] = "2026-02-30"
    errors = import_errors(tmp_path, file_of(case))
    assert sorted(errors) == [
        "cases[0] (HM-0100) consents[0].signed_on: is not a valid date",
        "cases[0] (HM-0100) participant.birth_year: is required",
        "cases[0] (HM-0100) participant.shoe_size: unknown field",
    ]


def test_one_bad_case_in_three_writes_nothing(tmp_path, ada, alice, district):
    bad = valid_case("HM-0102", birth_year=1850)
    events = AccessEvent.objects.count()
    errors = import_errors(tmp_path, file_of(valid_case("HM-0100"), valid_case("HM-0101"), bad))
    assert errors == [
        "cases[2] (HM-0102) participant.birth_year: Enter a birth year between 1900 and this year."
    ]
    assert Participant.objects.count() == 0
    assert Contact.objects.count() == Consent.objects.count() == 0
    assert AccessEvent.objects.count() == events


def test_dry_run_writes_nothing(tmp_path, ada, alice, district):
    events = AccessEvent.objects.count()
    output = run_import(tmp_path, file_of(valid_case()), "--dry-run")
    assert "Dry run: 1 case(s) with 3 record(s)" in output
    assert Participant.objects.count() == 0
    assert AccessEvent.objects.count() == events


def test_the_operator_is_required_and_must_exist(tmp_path, alice, district):
    with pytest.raises(CommandError, match="No active staff account"):
        run_import(tmp_path, file_of(valid_case()), as_email="ghost@example.org")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="No active staff account"):
        run_import(tmp_path, file_of(valid_case()), as_email="alice@hela.example")
    with pytest.raises(CommandError, match="--as"):
        call_command("import_case_files", str(tmp_path / "cases.json"))


def test_participant_export_view(cases, alice):
    first = cases[0]
    response = verified_client(alice).get(reverse("consent:export_json", kwargs={"pk": first.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert [case["participant"]["reference"] for case in data["cases"]] == ["HM-0001"]
    assert "HM-0002" not in response.content.decode()
    assert "Skolan" not in response.content.decode()
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.EXPORT, actor=alice, object_id=str(first.pk)
    ).exists()


def test_export_view_matches_the_command(cases, alice):
    response = verified_client(alice).get(
        reverse("consent:export_json", kwargs={"pk": cases[0].pk})
    )
    assert response.content.decode() == export("--reference", "HM-0001")


def test_round_trip_keeps_a_copy_unchanged(cases, tmp_path):
    exported = json.loads(export())
    original = copy.deepcopy(exported)
    Participant.objects.all().delete()
    run_import(tmp_path, exported)
    assert json.loads(export()) == original


def test_a_reader_through_consent_cannot_export(cases, dana, alice, district):
    services.consent_record(
        participant=cases[0],
        actor=alice,
        organisations=[district],
        purpose="Samordning",
        signed_on=date(2026, 6, 3),
        signed_by="participant",
    )
    client = verified_client(dana)
    assert client.get(reverse("consent:list", kwargs={"pk": cases[0].pk})).status_code == 200
    url = reverse("consent:export_json", kwargs={"pk": cases[0].pk})
    assert client.get(url).status_code == 404
