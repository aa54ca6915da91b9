"""Fixtures for the coordination-meeting tests (imported by the test modules: no conftest)."""

from __future__ import annotations

import pytest
from django.utils import translation

from consent.models import Consent
from participants.models import Participant
from plans.models import CoordinationMeeting

from .helpers_meetings import meeting_of, meeting_participant_of


@pytest.fixture(autouse=True)
def english():
    """Messages raised by services read in English (the interface default is Swedish)."""
    with translation.override("en"):
        yield


@pytest.fixture(name="participant")
def participant_fixture(request) -> Participant:
    return meeting_participant_of(request.getfixturevalue)


@pytest.fixture(name="consent")
def consent_fixture(participant: Participant) -> Consent:
    return participant.consents.get()


@pytest.fixture(name="meeting")
def meeting_fixture(request) -> CoordinationMeeting:
    return meeting_of(request.getfixturevalue)
