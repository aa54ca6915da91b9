from __future__ import annotations

import pytest

from .factories import log_contact, register


@pytest.fixture
def participant(alice, hela_manniskan):
    """Registered by alice in Hela Människan: alice is assigned, tess leads the team."""
    return register(hela_manniskan, alice, display_name="Kim", birth_year=2003)


@pytest.fixture
def contact(participant, alice):
    return log_contact(participant, alice, counterpart="Kim", note="First meeting")
