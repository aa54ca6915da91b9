"""Two submissions through one link at the same moment: exactly one rating is saved."""

from __future__ import annotations

import pytest

from plans.models import SelfRating
from plans.services.self_ratings import (
    SelfRatingLinkUnusable,
    self_rating_link_create,
    self_rating_submit,
)
from tests.helpers import at_the_same_time

from .helpers_crisis_plan import participant_of

SCORES = {"ucla_1": 2, "ucla_2": 2, "ucla_3": 2, "participation": 3}


@pytest.mark.django_db(transaction=True)
def test_two_tabs_at_once_save_one_rating(request, alice):
    participant = participant_of(request.getfixturevalue)
    _link, token = self_rating_link_create(participant=participant, phase="baseline", actor=alice)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            self_rating_submit(token=token, values=SCORES)
            outcomes.append("saved")
        except SelfRatingLinkUnusable:
            outcomes.append("refused")

    assert at_the_same_time(submit, threads=2) == []
    assert sorted(outcomes) == ["refused", "saved"]
    assert SelfRating.objects.count() == 1
