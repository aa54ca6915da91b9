"""``seed_synthetic``: deterministic for a seed, refuses outside DEBUG, about the asked size;
and the bench's measuring function on a tiny dataset."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from bench.run import _client, measure_beside
from cm_portal.models import User
from consent.models import ConsentParty
from participants.models import Contact, Participant, ParticipantUserObjectPermission
from plans.models import Deadline, Goal, SubGoal
from reporting.management.commands.seed_synthetic import generate

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.usefixtures("vagledning")]


def _digest() -> str:
    """Key fields of the seeded rows by natural keys (primary keys differ between runs)."""
    parts = [
        *Participant.objects.order_by("reference").values_list(
            "reference",
            "organisation__slug",
            "birth_year",
            "gender",
            "entry_path",
            "crisis_relevant",
            "intervention_start",
            "intervention_end",
        ),
        *Contact.objects.order_by(
            "participant__reference", "date", "kind", "duration_minutes"
        ).values_list("participant__reference", "date", "kind", "duration_minutes"),
        *ParticipantUserObjectPermission.objects.order_by("content_object__reference").values_list(
            "content_object__reference", "user__email"
        ),
        *Goal.objects.order_by("plan__participant__reference", "position").values_list(
            "plan__participant__reference", "position"
        ),
        *Deadline.objects.order_by("participant__reference", "kind", "due_on").values_list(
            "participant__reference", "kind", "due_on", "state", "met_on"
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _seed_and_digest(seed: int) -> str:
    with transaction.atomic():
        generate(count=20, seed=seed)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_the_same_seed_gives_the_same_data():
    first = _seed_and_digest(7)
    assert not Participant.objects.exists()
    assert _seed_and_digest(7) == first
    assert _seed_and_digest(8) != first


def test_counts_roughly_as_asked():
    counts = generate(count=20, seed=1)
    assert Participant.objects.count() == counts["participants"] == 20
    assert 40 * 20 <= Contact.objects.count() == counts["contacts"] <= 60 * 20
    assert User.objects.filter(email__startswith="syn1-").count() == 2 * 201
    # Every participant is assigned to one case manager of its own organisation.
    rows = ParticipantUserObjectPermission.objects.select_related("user", "content_object")
    assert rows.count() == 20
    assert all(row.user.organisation_id == row.content_object.organisation_id for row in rows)
    assert SubGoal.objects.exists()
    assert ConsentParty.objects.count() == counts["consents"] > 0
    assert Deadline.objects.count() == counts["deadlines"] > 0


@pytest.mark.parametrize("participants", ["2", "5"])
def test_refuses_without_debug_or_force(settings, participants):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_synthetic", "--participants", participants)
    assert not Participant.objects.exists()


def test_force_runs_without_debug_and_prints_the_counts(settings, capsys):
    settings.DEBUG = False
    call_command("seed_synthetic", "--participants", "2", "--contacts", "3", "--force")
    out = capsys.readouterr().out
    assert "participants" in out
    assert "Seeded in" in out
    assert Participant.objects.count() == 2


def test_bench_measure_on_a_tiny_dataset():
    generate(count=3, seed=1, contacts=3)
    manager = User.objects.get(email="syn1-cm000@hela-manniskan.example.org")
    client = _client(manager)
    url = reverse("participants:list")

    def run():
        assert client.get(url).status_code == 200

    (median, p95, queries), _reference = measure_beside(run, run, runs=2)
    assert 0 < median <= p95
    assert queries > 0
