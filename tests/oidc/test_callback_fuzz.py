"""Hostile answers at the callback: never a 500, never a login, always a logged refusal."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cm_portal.models import AccessEvent

from ..fuzz import checks
from ..fuzz.strategies import hostile_text

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
QUERY = st.fixed_dictionaries(
    {},
    optional={"code": hostile_text, "state": hostile_text, "error": hostile_text},
)


@FUZZ
@given(query=QUERY, with_state=st.booleans())
def test_a_hostile_answer_is_refused(oidc_provider, district_idp, charlie, query, with_state):
    with checks.rolled_back():
        client = Client()
        if with_state:
            # A login started for real: the hostile code goes to the provider's token endpoint.
            client.post("/accounts/login/", {"username": charlie.email, "password": ""})
            state = next(iter(client.session["oidc_states"]))
            query = {**query, "state": state}
        before = AccessEvent.objects.filter(action=AccessEvent.Action.LOGIN_FAILED).count()

        response = client.get("/accounts/oidc/callback/", query)

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/"
        assert "_auth_user_id" not in client.session
        after = AccessEvent.objects.filter(action=AccessEvent.Action.LOGIN_FAILED).count()
        assert after == before + 1
