"""Case files carry the participant's programme as ``participant.programme`` (its slug): a
file without it goes into the installation's only programme; it is refused, naming the case
and the field, when there are several or the named one does not exist (or the organisation
does not take part in it)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cm_portal.programmes.services import programme_create
from participants.models import Participant
from tests.consent.test_case_files import export, file_of, import_errors, run_import, valid_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def operators(ada, alice, district, vagledning):
    return ada


def _second(*organisations):
    return programme_create(
        slug="second",
        name="Second",
        start=date(2026, 1, 1),
        end=date(2027, 12, 31),
        organisations=list(organisations),
        actor=None,
    )


def test_without_a_programme_into_the_only_one(tmp_path, operators, vagledning):
    run_import(tmp_path, file_of(valid_case("HM-0100")))
    assert Participant.objects.get(reference="HM-0100").programme == vagledning
    exported = json.loads(export("--reference", "HM-0100"))
    assert exported["cases"][0]["participant"]["programme"] == vagledning.slug


def test_without_a_programme_refused_when_there_are_several(tmp_path, operators, hela_manniskan):
    _second(hela_manniskan)
    errors = import_errors(tmp_path, file_of(valid_case("HM-0100")))
    assert errors == [
        "cases[0] (HM-0100) participant.programme: is required: the installation has "
        "several programmes (or none)"
    ]
    assert not Participant.objects.exists()


def test_a_named_programme_that_does_not_exist_is_refused(tmp_path, operators):
    errors = import_errors(tmp_path, file_of(valid_case("HM-0100", programme="nowhere")))
    assert errors == ["cases[0] (HM-0100) participant.programme: unknown programme"]


def test_a_programme_the_organisation_is_not_in_is_refused(tmp_path, operators, district):
    _second(district)  # Hela Människan does not take part in it
    errors = import_errors(tmp_path, file_of(valid_case("HM-0100", programme="second")))
    assert len(errors) == 1
    assert errors[0].startswith("cases[0] (HM-0100) participant.programme: ")
    assert "takes part in" in errors[0]


def test_a_named_programme_is_used(tmp_path, operators, hela_manniskan):
    second = _second(hela_manniskan)
    run_import(tmp_path, file_of(valid_case("HM-0100", programme="second")))
    assert Participant.objects.get(reference="HM-0100").programme == second
