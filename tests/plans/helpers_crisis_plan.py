"""Builders for the crisis-plan and self-rating tests and their permission rows.

They take ``f`` (``request.getfixturevalue``), as in ``tests/consent/helpers.py``, and are
get-or-create, so the permission matrix can call them as often as it likes.
"""

from __future__ import annotations

from participants.models import Participant
from plans.models import CrisisPlan
from plans.services.crisis_plan import crisis_plan_save
from tests.conftest import verified_client
from tests.consent.helpers import consent_participant_of
from tests.matrix import Fixtures

CHAIN = [
    {"order": 1, "who": "Case manager", "how_to_reach": "070-000 00 00", "when": "Office hours"},
    {"order": 2, "who": "Psychiatric emergency", "how_to_reach": "08-000 00 00", "when": "Always"},
]
TEXTS = {
    "warning_signs": "Stops answering the phone",
    "own_strategies": "Walks",
    "people_to_contact": "Sister",
    "professional_contacts": "Psychiatry clinic",
}


def participant_of(f: Fixtures) -> Participant:
    """The Hela Människan participant alice registered (start 2026-06-01)."""
    return consent_participant_of(f)


def crisis_plan_of(f: Fixtures) -> CrisisPlan:
    """The participant's crisis plan, saved once by alice with a two-link chain."""
    participant = participant_of(f)
    existing = CrisisPlan.objects.filter(participant=participant).first()
    return existing or crisis_plan_save(
        participant=participant,
        values=TEXTS,
        chain=CHAIN,
        expected_version=0,
        actor=f("alice"),
    )


def english_client(user):
    """A verified client that asks for English."""
    client = verified_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def edit_post(plan: CrisisPlan | None, chain: list[dict], **texts) -> dict:
    """The edit form's POST data: the texts, the version and the chain formset."""
    data = {
        "version": plan.version if plan else 0,
        **{field: texts.get(field, "") for field in TEXTS},
        "chain-TOTAL_FORMS": str(len(chain)),
        "chain-INITIAL_FORMS": "0",
        "chain-MIN_NUM_FORMS": "0",
        "chain-MAX_NUM_FORMS": "1000",
    }
    for index, link in enumerate(chain):
        for key, value in link.items():
            data[f"chain-{index}-{key}"] = value
    return data
