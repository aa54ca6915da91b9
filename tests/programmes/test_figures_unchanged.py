"""The existing installation keeps its figures: ``manage.py kpis`` on the demo data and on
``seed_synthetic`` data gives the JSON the engine gave before programmes existed
(``golden/*.json``, written by the engine of commit "Programme model:"'s parent)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command

from cm_portal.programmes.demo import VAGLEDNING_SLUG
from reporting.management.commands.seed_synthetic import generate

from .figures import DEMO_PERIODS, MOMENT, SYNTHETIC_PERIODS, golden, kpis_json

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vagledning")]


def test_demo_figures_are_those_of_before(settings):
    settings.DEMO_MODE = True
    expected = golden("demo")
    with time_machine.travel(MOMENT, tick=False):
        call_command("load_demo")
        call_command("load_demo_cases")
        for period_from, period_to in DEMO_PERIODS:
            # The demo has two programmes now: the partnership's figures are the old ones.
            figures = kpis_json(period_from, period_to, "--programme", VAGLEDNING_SLUG)
            assert figures.pop("programme")["slug"] == VAGLEDNING_SLUG
            assert figures == expected[f"{period_from}..{period_to}"], period_from


def test_synthetic_figures_are_those_of_before():
    expected = golden("synthetic")
    with time_machine.travel(MOMENT, tick=False):
        generate(count=300, seed=11, contacts=2)
        for period_from, period_to in SYNTHETIC_PERIODS:
            # One programme: no --programme needed, and the JSON is exactly docs/kpis.md's.
            assert kpis_json(period_from, period_to) == expected[f"{period_from}..{period_to}"]
