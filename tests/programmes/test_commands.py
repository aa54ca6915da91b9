"""``create_programme`` and ``programme_goal``: the exact interfaces of issue 14, refusing bad
input with a message and a non-zero exit (as ``create_organisation``); ``kpis --programme``."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cm_portal.programmes.models import Programme, ProgrammeGoalChange
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def organisations():
    return [
        OrganisationFactory(slug="farsta", programmes=[]),
        OrganisationFactory(slug="ngo", programmes=[]),
    ]


def create(*extra: str) -> str:
    return run(
        "create_programme",
        "--slug",
        "farsta-cm",
        "--name",
        "CM i Farsta",
        "--start",
        "2027-01-01",
        "--end",
        "2029-12-31",
        "--organisations",
        "farsta,ngo",
        *extra,
    )


def test_create_programme_with_its_organisations_and_ages(organisations):
    out = create("--age-min", "18", "--age-max", "25")
    assert "Created programme farsta-cm" in out
    programme = Programme.objects.get(slug="farsta-cm")
    assert (programme.start, programme.end) == (date(2027, 1, 1), date(2029, 12, 31))
    assert sorted(programme.organisations.values_list("slug", flat=True)) == ["farsta", "ngo"]
    assert (programme.age_min, programme.age_max, programme.age_bins) == (18, 25, [[18, 25]])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start", "2027-13-01"), "--start '2027-13-01' is not a date"),
        (("--end", "2026-01-01"), "last day is before the first day"),
        (("--organisations", "farsta,nowhere"), "Unknown organisation nowhere"),
        (("--age-min", "25", "--age-max", "18"), "highest age is below the lowest"),
        (("--age-min", "18"), "Give both --age-min and --age-max"),
    ],
)
def test_create_programme_refuses_bad_input(organisations, args, message):
    base = {
        "--slug": "farsta-cm",
        "--name": "CM",
        "--start": "2027-01-01",
        "--end": "2029-12-31",
        "--organisations": "farsta,ngo",
    }
    extra = []
    for option, value in zip(args[::2], args[1::2], strict=True):
        if option in base:
            base[option] = value
        else:
            extra += [option, value]
    argv = [item for pair in base.items() for item in pair] + extra
    with pytest.raises(CommandError, match=message):
        run("create_programme", *argv)
    assert not Programme.objects.exists() or not Programme.objects.filter(slug="farsta-cm").exists()


def test_a_taken_slug_is_refused(organisations):
    create()
    with pytest.raises(CommandError, match="slug"):
        create()


def set_plan_goal(*, window_days: str) -> str:
    """``programme_goal`` for farsta-cm: plans within ``window_days`` days, target 85 %."""
    return run(
        "programme_goal",
        "--programme",
        "farsta-cm",
        "--kind",
        "plan_within_window",
        "--window-days",
        window_days,
        "--target-percent",
        "85",
    )


def test_programme_goal_sets_and_versions_a_goal(organisations):
    create()
    out = set_plan_goal(window_days="42")
    assert "definition version 1" in out
    out = set_plan_goal(window_days="49")
    assert "definition version 2" in out
    assert ProgrammeGoalChange.objects.filter(programme__slug="farsta-cm").count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--kind", "plan_within_window", "--window-days", "0", "--target-percent", "80"],
            "window \\(days\\) must be a whole number from 1 to 366, not 0",
        ),
        (
            ["--kind", "self_rating_improved", "--target-percent", "140"],
            "target \\(percent\\) must be a whole number from 1 to 100, not 140",
        ),
        (["--kind", "participants_reached"], "needs a target"),
        (
            ["--kind", "self_rating_improved", "--target-percent", "60", "--horizon-months", "3"],
            "has no horizon",
        ),
    ],
)
def test_programme_goal_refuses_bad_parameters(organisations, args, message):
    create()
    with pytest.raises(CommandError, match=message):
        run("programme_goal", "--programme", "farsta-cm", *args)
    assert not Programme.objects.get(slug="farsta-cm").goals.exists()


def test_programme_goal_refuses_an_unknown_programme_or_kind(organisations):
    with pytest.raises(CommandError, match="Unknown programme 'nope'"):
        run(
            "programme_goal",
            "--programme",
            "nope",
            "--kind",
            "self_rating_improved",
            "--target-percent",
            "60",
        )
    with pytest.raises(CommandError, match="invalid choice"):
        run("programme_goal", "--programme", "nope", "--kind", "made_up")


def test_kpis_names_the_programme_and_its_goal_definitions(vagledning, organisations):
    create()
    with pytest.raises(CommandError, match="Name the programme with --programme"):
        run("kpis", "--from", "2027-01-01", "--to", "2027-03-31")
    run(
        "programme_goal",
        "--programme",
        "farsta-cm",
        "--kind",
        "self_rating_improved",
        "--target-percent",
        "55",
    )
    figures = json.loads(
        run("kpis", "--from", "2027-01-01", "--to", "2027-03-31", "--programme", "farsta-cm")
    )
    assert figures["programme"]["slug"] == "farsta-cm"
    assert figures["programme"]["goals"] == [
        {
            "kind": "self_rating_improved",
            "version": 1,
            "parameters": {"target_percent": 55},
            "since": figures["programme"]["goals"][0]["since"],
        }
    ]
    assert list(figures["kpis"]) == ["self_rating_improved"]
    assert figures["participants"]["target"] is None
    with pytest.raises(CommandError, match="No programme has the short name 'nope'"):
        run("kpis", "--from", "2027-01-01", "--to", "2027-03-31", "--programme", "nope")
