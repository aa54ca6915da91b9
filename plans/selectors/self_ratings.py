"""Reading self-ratings, their links and the baseline deadline."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from participants.models import Participant
from plans.deadlines import baseline_rating_due
from plans.models import SelfRating, SelfRatingLink


def baseline_deadline(participant: Participant) -> date:
    """When the baseline rating is due: the programme's days after the start."""
    return baseline_rating_due(participant)


def ratings_of(participant: Participant) -> QuerySet[SelfRating]:
    return participant.self_ratings.select_related("entered_by").order_by("rated_on", "id")


def links_of(participant: Participant) -> QuerySet[SelfRatingLink]:
    return participant.self_rating_links.order_by("-created_at", "-id")


def self_rating_content(rating: SelfRating) -> dict[str, Any]:
    """One rating in the case-file JSON shape."""
    return {
        "phase": rating.phase,
        "rated_on": rating.rated_on.isoformat(),
        "ucla": [rating.ucla_1, rating.ucla_2, rating.ucla_3],
        "participation": rating.participation,
    }
