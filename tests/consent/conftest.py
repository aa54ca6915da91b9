"""Fixtures: a participant registered by alice at Hela Människan, with one consent."""

from __future__ import annotations

import pytest
from django.utils import translation

from consent.models import Consent
from participants.models import Participant

from .helpers import consent_of, consent_participant_of, use_temporary_storage


@pytest.fixture(autouse=True)
def english():
    """Messages raised by services read in English (the interface default is Swedish)."""
    with translation.override("en"):
        yield


@pytest.fixture
def storage(settings, tmp_path):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    return tmp_path / "private"


@pytest.fixture
def participant(alice, hela_manniskan) -> Participant:
    return consent_participant_of({"alice": alice, "hela_manniskan": hela_manniskan}.__getitem__)


@pytest.fixture
def consent(participant, storage, alice, hela_manniskan, settings, tmp_path) -> Consent:
    fixtures = {
        "alice": alice,
        "hela_manniskan": hela_manniskan,
        "settings": settings,
        "tmp_path": tmp_path,
    }
    return consent_of(fixtures.__getitem__)
