"""Someone who may not see the participant gets 404 on every consent URL, GET and POST,
and nothing changes (security.md 2)."""

import pytest
from django.urls import reverse

from consent.models import Consent, ConsentParty
from participants.models import SharingGrant
from tests.helpers import assert_missing_and_hidden_look_the_same
from tests.test_permission_matrix import database_state

from .helpers import english_client

pytestmark = pytest.mark.django_db


def urls(consent) -> list[str]:
    participant_pk = consent.participant_id
    return [
        reverse("consent:list", kwargs={"pk": participant_pk}),
        reverse("consent:create", kwargs={"pk": participant_pk}),
        reverse(
            "consent:withdraw", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk}
        ),
        reverse("consent:scan", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk}),
    ]


POST_DATA = {
    "organisations": [],
    "external_parties": "Någon annan",
    "purpose": "Intrång",
    "signed_on": "2026-06-05",
    "signed_by": "participant",
    "withdrawn_on": "2026-06-06",
    "by_whom": "participant",
}


@pytest.mark.parametrize("persona", ["bob", "charlie"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_access_answers_404_and_changes_nothing(consent, persona, method, request):
    client = english_client(request.getfixturevalue(persona))
    before = database_state()
    for url in urls(consent):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 404, url
    assert database_state() == before
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert Consent.objects.count() == 1
    assert ConsentParty.objects.count() == 2
    assert not SharingGrant.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_a_missing_consent_looks_the_same(consent, persona, request):
    client = english_client(request.getfixturevalue(persona))
    missing = Consent.objects.order_by("-pk").first().pk + 1000
    assert_missing_and_hidden_look_the_same(
        client, ("consent:scan", "consent:withdraw"), consent, "consent_pk", missing
    )


def test_the_wrong_method_is_refused_only_for_those_with_access(consent, alice):
    client = english_client(alice)
    assert (
        client.get(
            reverse(
                "consent:withdraw", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk}
            )
        ).status_code
        == 405
    )
    assert (
        client.post(
            reverse("consent:scan", kwargs={"pk": consent.participant_id, "consent_pk": consent.pk})
        ).status_code
        == 405
    )
    list_url = reverse("consent:list", kwargs={"pk": consent.participant_id})
    assert client.post(list_url).status_code == 405
