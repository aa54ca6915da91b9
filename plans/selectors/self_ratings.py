"""Reading self-ratings, their links and the baseline deadline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from participants.models import Participant
from plans.models import SelfRating, SelfRatingLink

BASELINE_DAYS = 14  # the baseline rating is due two weeks after the start


def baseline_deadline(start: date) -> date:
    return start + timedelta(days=BASELINE_DAYS)


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
