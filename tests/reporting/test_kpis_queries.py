"""The KPI computation makes the same number of queries for 10 and for 1,000 participants."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cm_portal.programmes.models import Programme
from participants.models import ActivityRecord, Contact, Participant
from plans.models import PrioritisedContact, SelfRating
from reporting.kpis import compute_kpis
from reporting.management.commands.seed_synthetic import generate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vagledning")]


PERIOD = {"period_from": date(2024, 1, 1), "period_to": date(2026, 6, 30)}


def _queries(**scope) -> int:
    # The programme as a report has it: read once, with its goals (the engine reads them).
    programme = Programme.objects.prefetch_related("goals").get()
    with CaptureQueriesContext(connection) as captured:
        compute_kpis(**PERIOD, today=date(2026, 7, 1), programme=programme, **scope)
    return len(captured.captured_queries)


@pytest.mark.parametrize("organisation", [False, True])
def test_same_number_of_queries_for_10_and_1000_participants(db, organisation):
    generate(count=10, seed=1, contacts=2)
    scope = {"organisation": Participant.objects.first().organisation} if organisation else {}
    with_ten = _queries(**scope)
    generate(count=990, seed=2, contacts=2)
    assert Participant.objects.count() == 1000
    with_thousand = _queries(**scope)
    assert with_ten == with_thousand
    # The grouped participant query (with its transaction and SET LOCAL) and three aggregates.
    assert with_thousand <= 8


def test_generator_makes_consistent_cases(db, settings):
    settings.DEBUG = True
    call_command(
        "seed_synthetic", "--participants", "50", "--seed", "3", "--contacts", "5", stdout=None
    )
    participants = Participant.objects.all()
    assert participants.count() == 50
    # The made-up rows obey the models' own rules (dates not in the future, not before start).
    for model in (Participant, Contact, PrioritisedContact, SelfRating, ActivityRecord):
        for row in model.objects.all():
            row.full_clean(exclude=["created_by", "entered_by", "recorded_by"])
    result = compute_kpis(
        period_from=date(2024, 1, 1), period_to=timezone.localdate() - timedelta(days=1)
    )
    assert result["participants"]["cumulative_started"] <= 50


def test_generator_refuses_when_synthetic_data_exists(db, settings):
    settings.DEBUG = True
    generate(count=3, seed=5, contacts=1)
    with pytest.raises(CommandError, match="synthetic data already"):
        call_command("seed_synthetic", "--participants", "3", "--seed", "5")
    assert Participant.objects.count() == 3
