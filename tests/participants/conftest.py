from __future__ import annotations

import pytest
from django.conf import settings

from .factories import log_contact, register


@pytest.fixture
def participant(alice, hela_manniskan):
    """Registered by alice in Hela Människan: alice is assigned, tess leads the team."""
    return register(hela_manniskan, alice, display_name="Kim", birth_year=2003)


@pytest.fixture
def contact(participant, alice):
    return log_contact(participant, alice, counterpart="Kim", note="First meeting")


@pytest.fixture
def client_as(persona_client):
    """A verified client for the persona, with the interface in English."""

    def make(name: str):
        client = persona_client(name)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make
