"""Participants of the deadline and calendar tests, registered at Hela Människan."""

from __future__ import annotations

import pytest

from tests.participants.factories import register


@pytest.fixture
def kim(hela_manniskan, alice):
    return register(hela_manniskan, alice, display_name="Kim")


@pytest.fixture
def lo(hela_manniskan, alice):
    return register(hela_manniskan, alice, display_name="Lo")


@pytest.fixture
def bobs(hela_manniskan, bob):
    """Bob's participant: not alice's."""
    return register(hela_manniskan, bob, display_name="Sam")
