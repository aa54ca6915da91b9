"""The participant core: registration, who may see whom, sharing grants, change history."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from cm_portal.models import AccessEvent
from participants import services
from participants.access import (
    access_participant,
    access_participant_as_team_lead,
    leads_team_of,
    participants_for,
)
from participants.models import CaseChange, Participant

from .factories import close_case

pytestmark = pytest.mark.django_db

INTAKE = {
    "birth_year": 2003,
    "gender": "woman",
    "entry_path": "outreach",
    "crisis_relevant": True,
    "intervention_start": date(2026, 6, 1),
}


@pytest.fixture
def participant(alice, hela_manniskan):
    return services.participant_register(
        organisation=hela_manniskan, actor=alice, display_name="Kim", **INTAKE
    )


def test_registration_numbers_references_per_organisation_and_assigns(alice, hela_manniskan):
    first = services.participant_register(organisation=hela_manniskan, actor=alice, **INTAKE)
    second = services.participant_register(organisation=hela_manniskan, actor=alice, **INTAKE)
    assert (first.reference, second.reference) == ("HM-0001", "HM-0002")
    assert services.assigned_case_managers(first) == [alice]
    assert AccessEvent.objects.filter(action="create", object_type="participant").count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("intervention_start", timezone.localdate() + timedelta(days=1)),
        ("birth_year", 1850),
        ("personal_identity_number", "19811218-9875"),
    ],
)
def test_registration_refuses_bad_intake(alice, hela_manniskan, field, value):
    with pytest.raises(ValidationError) as error:
        services.participant_register(
            organisation=hela_manniskan, actor=alice, **{**INTAKE, field: value}
        )
    assert field in error.value.message_dict
    assert not Participant.objects.exists()


def intake(hela_manniskan, alice, **values):
    """A registration at intake, where the duplicate-intake rule applies."""
    return services.participant_register(
        organisation=hela_manniskan, actor=alice, at_intake=True, **{**INTAKE, **values}
    )


def test_at_intake_a_likely_duplicate_is_refused_until_confirmed(participant, alice, bob):
    organisation = participant.organisation
    with pytest.raises(services.PossibleDuplicate) as refusal:
        intake(organisation, bob, display_name="Kim")
    assert list(refusal.value.message_dict) == ["register_anyway"]
    assert Participant.objects.count() == 1
    # The check that refused is logged although nothing was registered.
    assert AccessEvent.objects.filter(
        action="duplicate_check", actor=bob, object_id=str(participant.pk)
    ).exists()

    second = intake(organisation, bob, display_name="Kim", register_anyway=True)
    assert Participant.objects.count() == 2
    assert services.assigned_case_managers(second) == [bob]


def test_at_intake_a_confirmed_duplicate_keeps_showing_the_match_on_other_errors(
    participant, alice
):
    with pytest.raises(services.PossibleDuplicate) as refusal:
        intake(
            participant.organisation,
            alice,
            display_name="Kim",
            register_anyway=True,
            intervention_start=timezone.localdate() + timedelta(days=1),
        )
    assert list(refusal.value.message_dict) == ["intervention_start"]


def test_at_intake_no_match_registers_and_outside_intake_nothing_is_checked(participant, alice):
    organisation = participant.organisation
    with pytest.raises(ValidationError) as error:
        intake(organisation, alice, display_name="Robin", birth_year=1850)
    assert not isinstance(error.value, services.PossibleDuplicate)
    assert intake(organisation, alice, display_name="Robin").pk
    checks = AccessEvent.objects.filter(action="duplicate_check")
    assert checks.count() == 2
    services.participant_register(
        organisation=organisation, actor=alice, display_name="Kim", **INTAKE
    )
    assert checks.count() == 2
    assert Participant.objects.filter(display_name="Kim").count() == 2


def test_at_intake_past_the_hourly_limit_nothing_is_checked_or_registered(participant, alice):
    cache.clear()
    for number in range(services.DUPLICATE_CHECKS_PER_HOUR):
        intake(participant.organisation, alice, display_name=f"Robin {number}")
    with pytest.raises(services.TooManyDuplicateChecks):
        intake(participant.organisation, alice, display_name="Kim", register_anyway=True)
    assert Participant.objects.count() == 1 + services.DUPLICATE_CHECKS_PER_HOUR


def test_identity_number_must_match_birth_year(alice, hela_manniskan):
    with pytest.raises(ValidationError) as error:
        services.participant_register(
            organisation=hela_manniskan,
            actor=alice,
            **{**INTAKE, "birth_year": 2003, "personal_identity_number": "811218-9876"},
        )
    assert "birth_year" in error.value.message_dict


def test_identity_number_is_stored_normalised_and_shown_masked(alice, hela_manniskan):
    person = services.participant_register(
        organisation=hela_manniskan,
        actor=alice,
        **{**INTAKE, "birth_year": 1981, "personal_identity_number": "8112189876"},
    )
    assert person.personal_identity_number == "19811218-9876"
    assert person.masked_identity_number == "19811218-••••"


@pytest.mark.parametrize(
    ("persona", "sees", "changes"),
    [
        ("alice", True, True),  # assigned case manager
        ("bob", False, False),  # colleague, not assigned
        ("tess", True, True),  # team lead of the organisation
        ("charlie", False, False),  # other organisation, no consent
        ("steve", False, False),  # steering group
        ("ada", False, False),  # administrator
    ],
)
def test_who_may_see_and_change(request, participant, persona, sees, changes):
    user = request.getfixturevalue(persona)
    for need, allowed in (("view", sees), ("change", changes)):
        if allowed:
            assert access_participant(user, participant.pk, need=need) == participant
        else:
            with pytest.raises(Http404):
                access_participant(user, participant.pk, need=need)


def test_a_sharing_grant_lets_the_other_organisation_see_while_valid(participant, dana, district):
    today = timezone.localdate()
    services.sharing_grant_create(
        participant=participant,
        organisation=district,
        consent_id=1,
        valid_from=today - timedelta(days=10),
        valid_until=today,
    )
    assert access_participant(dana, participant.pk) == participant
    with pytest.raises(Http404):
        access_participant(dana, participant.pk, need="change")

    services.sharing_grants_revoke(consent_id=1)
    with pytest.raises(Http404):
        access_participant(dana, participant.pk)


def test_an_expired_grant_gives_no_access(participant, dana, district):
    today = timezone.localdate()
    services.sharing_grant_create(
        participant=participant,
        organisation=district,
        consent_id=2,
        valid_from=today - timedelta(days=30),
        valid_until=today - timedelta(days=1),
    )
    assert not participants_for(dana).exists()


def test_unassigning_cuts_access_and_a_caseload_moves_in_one_step(participant, alice, bob, tess):
    services.caseload_transfer(from_user=alice, to_user=bob, actor=tess)
    assert list(participants_for(bob)) == [participant]
    assert not participants_for(alice).exists()
    services.participant_unassign(participant=participant, case_manager=bob, actor=tess)
    assert not participants_for(bob).exists()


def test_corrections_keep_who_changed_what_and_the_old_value(participant, alice):
    contact = services.contact_log(
        participant=participant,
        actor=alice,
        date=date(2026, 6, 2),
        kind="phone",
        duration_minutes=15,
        counterpart="",
        note="first note",
    )
    services.contact_correct(contact=contact, actor=alice, note="corrected", duration_minutes=20)
    history = {c.field: (c.old_value, c.new_value, c.changed_by) for c in CaseChange.objects.all()}
    assert history == {
        "note": ("first note", "corrected", alice),
        "duration_minutes": ("15", "20", alice),
    }
    # The access log names the fields as data; the values stay in the case's history.
    logged = AccessEvent.objects.filter(action="change").latest("id")
    assert logged.data == {"changed": {"note": {}, "duration_minutes": {}}}


def test_closing_and_reopening(participant, alice):
    with pytest.raises(ValidationError):
        close_case(participant, alice, on=date(2026, 5, 1), reason_code="moved", reason="Moved")
    participant.refresh_from_db()
    close_case(participant, alice, on=date(2026, 9, 1), reason_code="goals_met", reason="Goals met")
    assert not Participant.objects.get(pk=participant.pk).is_open
    services.participant_reopen(participant=participant, actor=alice)
    assert Participant.objects.get(pk=participant.pk).is_open


def test_intake_changes_are_kept_with_the_identity_number_masked(participant, alice):
    changed = services.participant_update(
        participant=participant,
        actor=alice,
        display_name="Kim K",
        personal_identity_number="20031117-0005",
        birth_year=2003,
    )
    assert set(changed) == {"display_name", "personal_identity_number"}
    history = {c.field: (c.old_value, c.new_value) for c in CaseChange.objects.all()}
    assert history["display_name"] == ("Kim", "Kim K")
    assert history["personal_identity_number"] == ("", "20031117-••••")
    with pytest.raises(TypeError):
        services.participant_update(participant=participant, actor=alice, organisation=None)


def test_the_team_lead_rule_is_one_access_function(participant, alice, bob, charlie, tess):
    """Only a team lead of the participant's organisation gets the participant for a team
    lead's decision: 403 for one who may change it otherwise, 404 for one who may not."""
    assert leads_team_of(tess, participant)
    assert not leads_team_of(alice, participant)
    assert access_participant_as_team_lead(tess, participant.pk) == participant
    with pytest.raises(PermissionDenied):
        access_participant_as_team_lead(alice, participant.pk)
    for outsider in (bob, charlie):
        with pytest.raises(Http404):
            access_participant_as_team_lead(outsider, participant.pk)
