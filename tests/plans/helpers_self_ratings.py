"""Builders for the self-rating tests and permission rows (see helpers_crisis_plan)."""

from __future__ import annotations

from plans.models import SelfRatingLink
from plans.services.self_ratings import self_rating_link_create
from tests.matrix import Fixtures

from .helpers_crisis_plan import participant_of

ANSWERS = {"ucla_1": "3", "ucla_2": "2", "ucla_3": "1", "participation": "4"}


def link_of(f: Fixtures) -> SelfRatingLink:
    """An unused baseline link of the participant, created by alice."""
    participant = participant_of(f)
    existing = participant.self_rating_links.filter(used_at__isnull=True).first()
    if existing:
        return existing
    link, _token = self_rating_link_create(
        participant=participant, phase="baseline", actor=f("alice")
    )
    return link


def fresh_token(f: Fixtures) -> str:
    """A new link's token (the token is never stored, so each call makes a new link)."""
    _link, token = self_rating_link_create(
        participant=participant_of(f), phase="baseline", actor=f("alice")
    )
    return token
