"""The ``crisis_plan`` and ``self_ratings`` parts of the case file: export, import through
the services, errors named by case and field, and a round trip to identical JSON."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from participants.models import Participant
from participants.services import participant_register
from plans.models import CrisisPlan, RatingSource, SelfRating
from plans.services.crisis_plan import crisis_plan_establish, crisis_plan_save
from plans.services.self_ratings import (
    self_rating_link_create,
    self_rating_record,
    self_rating_submit,
)
from tests.consent.helpers import INTAKE
from tests.consent.test_case_files import export, file_of, import_errors, run_import, valid_case

from .helpers_crisis_plan import CHAIN, TEXTS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SCORES = {"ucla_1": 3, "ucla_2": 2, "ucla_3": 3, "participation": 2}


@pytest.fixture
def participant(alice, ada, hela_manniskan):
    participant = participant_register(
        organisation=hela_manniskan,
        actor=alice,
        reference="HM-0001",
        display_name="Kim Åberg",
        **INTAKE,
    )
    plan = crisis_plan_save(
        participant=participant, values=TEXTS, chain=CHAIN, expected_version=0, actor=alice
    )
    crisis_plan_establish(
        participant=participant,
        established_on=date(2026, 7, 20),
        expected_version=plan.version,
        actor=alice,
    )
    self_rating_record(
        participant=participant,
        actor=alice,
        phase="baseline",
        rated_on=date(2026, 6, 5),
        **SCORES,
    )
    _link, token = self_rating_link_create(participant=participant, phase="follow_up", actor=alice)
    self_rating_submit(token=token, values={**SCORES, "ucla_1": 1, "participation": 5})
    return participant


def test_export_shape(participant):
    case = json.loads(export())["cases"][0]
    assert case["crisis_plan"] == {
        "established_on": "2026-07-20",
        **TEXTS,
        "responsibility_chain": [
            {
                "order": 1,
                "who": "Case manager",
                "how_to_reach": "070-000 00 00",
                "when": "Office hours",
            },
            {
                "order": 2,
                "who": "Psychiatric emergency",
                "how_to_reach": "08-000 00 00",
                "when": "Always",
            },
        ],
    }
    assert case["self_ratings"][0] == {
        "phase": "baseline",
        "rated_on": "2026-06-05",
        "ucla": [3, 2, 3],
        "participation": 2,
        "source": "staff",
    }
    assert case["self_ratings"][1]["source"] == "participant"
    assert case["self_ratings"][1]["participation"] == 5


def test_export_import_export_round_trips(participant, tmp_path):
    exported = export()
    original = copy.deepcopy(json.loads(exported))
    Participant.objects.all().delete()
    assert not CrisisPlan.objects.exists()
    assert not SelfRating.objects.exists()
    output = run_import(tmp_path, exported)
    assert "HM-0001" in output or "1 case" in output
    assert export() == exported
    assert json.loads(export()) == original
    rating = SelfRating.objects.get(source=RatingSource.PARTICIPANT)
    assert rating.entered_by is None


def test_the_formats_own_keys_are_enough(tmp_path, ada, alice, district):
    case = valid_case()
    case["crisis_plan"] = {
        "established_on": "2026-07-20",
        "responsibility_chain": [
            {"order": 2, "who": "Second", "how_to_reach": "b"},
            {"order": 1, "who": "First", "how_to_reach": "a", "when": "nights"},
        ],
    }
    case["self_ratings"] = [
        {"phase": "baseline", "rated_on": "2026-06-05", "ucla": [3, 2, 3], "participation": 2}
    ]
    run_import(tmp_path, file_of(case))
    plan = CrisisPlan.objects.get()
    assert [link.who for link in plan.chain.all()] == ["First", "Second"]
    assert plan.established_on == date(2026, 7, 20)
    rating = SelfRating.objects.get()
    assert rating.source == RatingSource.STAFF
    assert rating.ucla_sum == 8


def test_shape_errors_name_case_and_field(tmp_path, ada, alice, district):
    case = valid_case("HM-0100")
    case["crisis_plan"] = {
        "established_on": "2026-13-01",
        "warning_signs": 3,
        "colour": "red",
        "responsibility_chain": [{"order": 1, "who": "A"}],
    }
    case["self_ratings"] = [
        {"phase": "during", "rated_on": "2026-06-05", "ucla": "3", "participation": 2},
        {"phase": "baseline", "rated_on": "2026-06-05", "ucla": [3, 2, 3]},
    ]
    errors = import_errors(tmp_path, file_of(case))
    prefix = "cases[0] (HM-0100)"
    assert f"{prefix} crisis_plan.established_on: is not a valid date" in errors
    assert f"{prefix} crisis_plan.warning_signs: must be a string" in errors
    assert f"{prefix} crisis_plan.colour: unknown field" in errors
    assert f"{prefix} crisis_plan.responsibility_chain[0].how_to_reach: is required" in errors
    assert any(
        e.startswith(f"{prefix} self_ratings[0].phase: unknown value 'during'") for e in errors
    )
    assert f"{prefix} self_ratings[0].ucla: must be a list of three whole numbers" in errors
    assert f"{prefix} self_ratings[1].participation: is required" in errors
    assert not Participant.objects.filter(reference="HM-0100").exists()


def test_rule_errors_name_case_and_field(tmp_path, ada, alice, district):
    case = valid_case("HM-0100")
    case["crisis_plan"] = {"established_on": "2026-07-20", "responsibility_chain": []}
    case["self_ratings"] = [
        {"phase": "baseline", "rated_on": "2026-05-05", "ucla": [3, 2, 3], "participation": 2},
        {"phase": "baseline", "rated_on": "2026-06-05", "ucla": [3, 4, 3], "participation": 6},
        {"phase": "baseline", "rated_on": "2026-06-05", "ucla": [3, 3], "participation": 2},
    ]
    errors = import_errors(tmp_path, file_of(case))
    prefix = "cases[0] (HM-0100)"
    assert any(
        e.startswith(f"{prefix} crisis_plan.responsibility_chain: An established crisis plan")
        for e in errors
    )
    assert any(
        e.startswith(f"{prefix} self_ratings[0].rated_on: The rating date cannot be before")
        for e in errors
    )
    assert any(e.startswith(f"{prefix} self_ratings[1].ucla[1]:") for e in errors)
    assert any(e.startswith(f"{prefix} self_ratings[1].participation:") for e in errors)
    assert any(e.startswith(f"{prefix} self_ratings[2].ucla:") for e in errors)
    assert not Participant.objects.filter(reference="HM-0100").exists()
    assert not CrisisPlan.objects.exists()
    assert not SelfRating.objects.exists()
