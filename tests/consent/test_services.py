"""Recording and withdrawing consents, and the access they give to the other organisation."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cm_portal.models import AccessEvent
from consent import services
from consent.models import Consent, ConsentParty
from participants.access import access_participant
from participants.models import SharingGrant
from participants.services import participant_register

from .helpers import INTAKE, consent_form
from .helpers import english_client as verified_client

pytestmark = pytest.mark.django_db

SIGNED = date(2026, 6, 2)


def record(participant, by, *, organisations, **values):
    fields = {
        "purpose": "Samordning av stöd",
        "signed_on": SIGNED,
        "signed_by": "participant",
        "guardian_name": "",
        "valid_until": None,
        "external_names": [],
    }
    fields.update(values)
    return services.consent_record(
        participant=participant, actor=by, organisations=organisations, **fields
    )


def test_recording_grants_the_other_organisation_only(participant, alice, district, hela_manniskan):
    consent = record(
        participant,
        alice,
        organisations=[district, hela_manniskan],
        external_names=["Vårdcentralen Älvsjö", "  "],
        valid_until=date(2027, 6, 1),
    )
    grant = SharingGrant.objects.get()
    assert (grant.consent_id, grant.organisation, grant.participant) == (
        consent.pk,
        district,
        participant,
    )
    assert (grant.valid_from, grant.valid_until) == (SIGNED, date(2027, 6, 1))
    assert sorted(str(party) for party in consent.parties.all()) == sorted(
        [district.name, hela_manniskan.name, "Vårdcentralen Älvsjö"]
    )
    assert AccessEvent.objects.filter(
        action="create",
        object_type="participant",
        object_id=str(consent.participant_id),
        detail=f"consent {consent.pk}",
    ).exists()


def test_a_consent_needs_a_party(participant, alice):
    with pytest.raises(ValidationError):
        record(participant, alice, organisations=[])
    assert not Consent.objects.exists()


def test_dana_sees_the_participant_only_while_the_consent_is_valid(
    participant, alice, dana, district
):
    record(participant, alice, organisations=[district], valid_until=date(2026, 12, 31))
    with time_machine.travel(date(2026, 12, 31), tick=False):
        assert access_participant(dana, participant.pk) == participant
        assert access_participant(dana, participant.pk, need="view")
    with time_machine.travel(date(2027, 1, 1), tick=False), pytest.raises(Http404):
        access_participant(dana, participant.pk)
    # Consent gives a look, never the right to change.
    with time_machine.travel(date(2026, 12, 1), tick=False), pytest.raises(Http404):
        access_participant(dana, participant.pk, need="change")


def test_an_expired_consent_cuts_access_through_the_view(participant, alice, dana, district):
    record(participant, alice, organisations=[district], valid_until=date(2026, 6, 30))
    url = reverse("consent:list", kwargs={"pk": participant.pk})
    with time_machine.travel(date(2026, 6, 30), tick=False):
        assert verified_client(dana).get(url).status_code == 200
    with time_machine.travel(date(2026, 7, 1), tick=False):
        assert verified_client(dana).get(url).status_code == 404


def test_withdrawal_cuts_access_on_the_next_request(participant, alice, dana, district):
    consent = record(participant, alice, organisations=[district])
    url = reverse("consent:list", kwargs={"pk": participant.pk})
    client = verified_client(dana)
    assert client.get(url).status_code == 200

    response = verified_client(alice).post(
        reverse(
            "consent:withdraw", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk}
        ),
        {
            "withdrawn_on": timezone.localdate().isoformat(),
            "by_whom": "participant",
            "confirmed": "yes",
        },
    )

    assert response.status_code == 302
    assert client.get(url).status_code == 404
    assert SharingGrant.objects.get().revoked_at is not None


def test_withdrawal_keeps_the_history(participant, alice, tess, district):
    consent = record(
        participant,
        alice,
        organisations=[district],
        external_names=["Vårdcentralen"],
        valid_until=date(2027, 6, 1),
    )
    before = Consent.objects.filter(pk=consent.pk).values().get()

    services.consent_withdraw(
        consent=consent, withdrawn_on=date(2026, 7, 1), by_whom="guardian", actor=tess
    )

    after = Consent.objects.filter(pk=consent.pk).values().get()
    withdrawal = {"withdrawn_on", "withdrawn_by_whom", "withdrawal_recorded_by_id"}
    withdrawal |= {"withdrawal_recorded_at"}
    assert {k: v for k, v in after.items() if k not in withdrawal} == {
        k: v for k, v in before.items() if k not in withdrawal
    }
    assert (after["withdrawn_on"], after["withdrawn_by_whom"]) == (date(2026, 7, 1), "guardian")
    assert after["withdrawal_recorded_by_id"] == tess.pk
    assert ConsentParty.objects.filter(consent=consent).count() == 2
    assert SharingGrant.objects.filter(consent_id=consent.pk).exists()  # revoked, not deleted
    assert AccessEvent.objects.filter(
        action="change",
        object_type="participant",
        object_id=str(consent.participant_id),
        detail=f"consent {consent.pk} withdrawn",
    ).exists()
    response = verified_client(alice).get(reverse("consent:list", kwargs={"pk": participant.pk}))
    assert "<strong>Withdrawn</strong>" in response.content.decode()


def test_withdrawing_twice_is_refused(consent, alice):
    services.consent_withdraw(
        consent=consent, withdrawn_on=date(2026, 7, 1), by_whom="participant", actor=alice
    )
    with pytest.raises(ValidationError, match="already been withdrawn"):
        services.consent_withdraw(
            consent=consent, withdrawn_on=date(2026, 8, 1), by_whom="guardian", actor=alice
        )
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawn_by_whom) == (date(2026, 7, 1), "participant")


def test_withdrawing_twice_through_the_view_says_why(consent, alice):
    client = verified_client(alice)
    url = reverse(
        "consent:withdraw", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk}
    )
    data = {"withdrawn_on": "2026-07-01", "by_whom": "participant", "confirmed": "yes"}
    client.post(url, data)
    response = client.post(url, data, follow=True)
    assert "already been withdrawn" in response.content.decode()


@pytest.mark.parametrize(
    ("withdrawn_on", "field"),
    [(date(2026, 6, 1), "withdrawn_on"), (None, "withdrawn_on")],
)
def test_withdrawal_dates_are_checked(consent, alice, withdrawn_on, field):
    withdrawn_on = withdrawn_on or timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.consent_withdraw(
            consent=consent, withdrawn_on=withdrawn_on, by_whom="participant", actor=alice
        )
    assert field in error.value.message_dict
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


@pytest.fixture
def minor(alice, hela_manniskan):
    return participant_register(
        organisation=hela_manniskan,
        actor=alice,
        **{**INTAKE, "birth_year": 2009, "intervention_start": date(2026, 5, 4)},
    )


def test_a_guardian_signs_for_a_participant_under_18(minor, alice, district):
    with pytest.raises(ValidationError) as error:
        record(minor, alice, organisations=[district])
    assert "signed_by" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(minor, alice, organisations=[district], signed_by="guardian")
    assert "guardian_name" in error.value.message_dict
    assert not Consent.objects.exists()
    assert not SharingGrant.objects.exists()

    consent = record(
        minor, alice, organisations=[district], signed_by="guardian", guardian_name="Eva Ek"
    )
    assert consent.guardian_name == "Eva Ek"


def test_an_adult_signs_for_themselves(participant, alice, district):
    # Born 2003: 23 in 2026.
    assert record(participant, alice, organisations=[district]).signed_by == "participant"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"signed_on": timezone.localdate() + timedelta(days=1)}, "signed_on"),
        ({"valid_until": date(2026, 6, 1)}, "valid_until"),
    ],
)
def test_dates_are_checked(participant, alice, district, values, field):
    with pytest.raises(ValidationError) as error:
        record(participant, alice, organisations=[district], **values)
    assert field in error.value.message_dict
    assert not Consent.objects.exists()
    assert not SharingGrant.objects.exists()


def test_list_shows_status_newest_first_and_logs_the_view(participant, alice, district):
    expired = record(participant, alice, organisations=[district], valid_until=date(2026, 6, 10))
    withdrawn = record(participant, alice, organisations=[district], signed_on=date(2026, 6, 20))
    valid = record(participant, alice, organisations=[district], signed_on=date(2026, 7, 1))
    services.consent_withdraw(
        consent=withdrawn, withdrawn_on=date(2026, 6, 21), by_whom="participant", actor=alice
    )
    response = verified_client(alice).get(reverse("consent:list", kwargs={"pk": participant.pk}))
    assert response.status_code == 200
    assert [c.pk for c in response.context["consents"]] == [valid.pk, withdrawn.pk, expired.pk]
    assert [c.status for c in response.context["consents"]] == ["valid", "withdrawn", "expired"]
    html = response.content.decode()
    assert "<strong>Withdrawn</strong>" in html
    assert "<strong>Expired</strong>" in html
    assert AccessEvent.objects.filter(
        action="view", object_type="participant", object_id=str(participant.pk), actor=alice
    ).exists()


def test_create_view_records_a_consent(participant, alice, district, storage):
    response = verified_client(alice).post(
        reverse("consent:create", kwargs={"pk": participant.pk}),
        consent_form(
            district.pk,
            external_parties="Vårdcentralen\n\n  Psykiatrin  \n",
            valid_until="2027-06-05",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:list", kwargs={"pk": participant.pk})
    consent = Consent.objects.get()
    assert consent.recorded_by == alice
    assert sorted(str(p) for p in consent.parties.all()) == sorted(
        [district.name, "Psykiatrin", "Vårdcentralen"]
    )
    assert SharingGrant.objects.get().valid_until == date(2027, 6, 5)


def test_create_view_shows_the_guardian_rule(minor, alice, district):
    response = verified_client(alice).post(
        reverse("consent:create", kwargs={"pk": minor.pk}),
        {
            "organisations": [district.pk],
            "purpose": "Samordning",
            "signed_on": "2026-06-05",
            "signed_by": "participant",
        },
    )
    assert response.status_code == 200
    assert "a guardian must sign" in response.content.decode()
    assert not Consent.objects.exists()


def test_withdrawing_through_the_view_asks_first_and_names_whom_it_stops(
    participant, alice, dana, district
):
    # Issue 17: one click shows what the withdrawal ends; only the confirmed form withdraws.
    consent = record(participant, alice, organisations=[district])
    url = reverse(
        "consent:withdraw", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk}
    )
    data = {"withdrawn_on": timezone.localdate().isoformat(), "by_whom": "participant"}
    client = verified_client(alice)

    response = client.post(url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Withdraw the consent?" in html
    assert district.name in html
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert SharingGrant.objects.get().revoked_at is None

    assert client.post(url, {**data, "confirmed": "yes"}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
