"""Which parties a participant's consents cover on a given day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.selectors import parties_covered_on
from consent.services import consent_record, consent_withdraw

pytestmark = pytest.mark.django_db


def names(parties) -> list[str]:
    return [str(party) for party in parties]


def record(participant, alice, name, signed_on, **values):
    return consent_record(
        participant=participant,
        actor=alice,
        external_names=[name],
        purpose="Samordning",
        signed_on=signed_on,
        signed_by="participant",
        **values,
    )


def test_parties_of_consents_valid_on_the_day(participant, alice, district):
    today = timezone.localdate()
    day = today - timedelta(days=10)
    record(participant, alice, "Signed before", day - timedelta(days=1))
    record(participant, alice, "Signed that day", day)
    record(participant, alice, "Signed after", day + timedelta(days=1))
    record(
        participant, alice, "Expired", day - timedelta(days=5), valid_until=day - timedelta(days=1)
    )
    record(participant, alice, "Valid to the day", day - timedelta(days=5), valid_until=day)
    withdrawn = record(participant, alice, "Withdrawn", day - timedelta(days=5))
    consent_withdraw(consent=withdrawn, withdrawn_on=day, by_whom="participant", actor=alice)
    later = record(participant, alice, "Withdrawn later", day - timedelta(days=5))
    consent_withdraw(consent=later, withdrawn_on=today, by_whom="participant", actor=alice)
    consent_record(
        participant=participant,
        actor=alice,
        organisations=[district],
        purpose="Samordning",
        signed_on=day,
        signed_by="participant",
    )

    assert sorted(names(parties_covered_on(participant, day))) == sorted(
        ["Signed before", "Signed that day", "Valid to the day", "Withdrawn later", district.name]
    )
    assert "Withdrawn later" not in names(parties_covered_on(participant, today))
    assert "Signed after" in names(parties_covered_on(participant, today))
