"""``load_demo_cases``: demo participants at different stages, through the importer."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cm_portal.programmes.models import Programme
from consent.case_files import case_data, participants_for_export
from participants.models import Participant
from plans.deadlines import plan_deadline

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_refused_outside_demo_mode():
    with pytest.raises(CommandError, match="only for DEMO_MODE"):
        run("load_demo_cases")


def test_demo_cases_cover_every_plan_part_once(settings):
    settings.DEMO_MODE = True
    with pytest.raises(CommandError, match="Run load_demo first"):
        run("load_demo_cases")
    run("load_demo")

    assert "6 with plans" in run("load_demo_cases", "--if-empty")
    assert run("load_demo_cases", "--if-empty") == ""  # a second start adds nothing
    assert Participant.objects.count() == 6
    # Two programmes, so a newcomer sees that the portal serves more than one.
    assert {
        programme.slug: programme.participants.count() for programme in Programme.objects.all()
    } == {"vagledning-i-vardagslivet": 3, "intern-sip-skarholmen": 3}

    alex = participants_for_export().get(reference="HM-0001")
    case = case_data(alex)
    assert case["plan"]["established_on"] <= plan_deadline(alex).isoformat()
    assert case["crisis_plan"]["responsibility_chain"][0]["order"] == 1
    assert [c["status"] for c in case["prioritised_contacts"]] == ["completed", "planned"]
    assert case["coordination_meetings"][0]["status"] == "held"
    assert case["participant"]["case_managers"] == ["anna.lind@hela-manniskan.example"]
    robin = case_data(participants_for_export().get(reference="D-0001"))
    assert [r["phase"] for r in robin["self_ratings"]] == ["baseline", "follow_up"]
