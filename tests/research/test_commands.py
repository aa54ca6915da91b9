"""manage.py create_research_agreement and research_export: what they print, write, log
and refuse."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pyreadstat
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cm_portal.models import AccessEvent
from reporting.research.models import ResearchAgreement
from tests.participants.factories import register

from .helpers import agreement_for, research_consent

pytestmark = pytest.mark.django_db


def _create(*extra: str) -> str:
    out = io.StringIO()
    call_command(
        "create_research_agreement",
        "--programme",
        "vagledning-i-vardagslivet",
        "--institution",
        "Marie Cederschiöld högskola",
        "--approval",
        "Dnr 2026-01234",
        *extra,
        stdout=out,
    )
    return out.getvalue().strip()


def test_creating_an_agreement_prints_its_id(rita):
    expires = (timezone.localdate() + timedelta(days=365)).isoformat()
    printed = _create("--researchers", "RITA@mchs.example", "--expires", expires, "--k", "4")
    agreement = ResearchAgreement.objects.get()
    assert printed == str(agreement.pk)
    assert agreement.k == 4
    assert list(agreement.researchers.all()) == [rita]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--researchers", "rita@mchs.example", "--expires", "31/12/2027"], "not a date"),
        (["--researchers", "nobody@x.example", "--expires", "2099-01-01"], "No staff account"),
        (
            ["--researchers", "alice@hela.example", "--expires", "2099-01-01"],
            "researcher role|rollen forskare",
        ),
        (["--researchers", "rita@mchs.example", "--expires", "2020-01-01"], "passed|passerat"),
        (
            ["--researchers", "rita@mchs.example", "--expires", "2099-01-01", "--k", "2"],
            "at least 3",
        ),
        (["--researchers", " , ", "--expires", "2099-01-01"], "names no e-mail"),
    ],
)
def test_bad_input_is_refused_with_a_message(rita, alice, arguments, message):
    with pytest.raises(CommandError, match=message):
        _create(*arguments)
    assert not ResearchAgreement.objects.exists()


@pytest.fixture
def consented(alice, hela_manniskan):
    start = timezone.localdate() - timedelta(days=40)
    people = [register(hela_manniskan, alice, intervention_start=start) for _ in range(4)]
    for participant in people:
        research_consent(participant, alice)
    return people


@pytest.mark.parametrize("file_format", ["csv", "sav", "dta"])
def test_the_export_command_writes_the_file_and_codebook_and_logs(
    tmp_path, rita, consented, file_format
):
    agreement = agreement_for(rita, k=3)
    output = tmp_path / f"export.{file_format}"
    out = io.StringIO()

    call_command(
        "research_export",
        "--agreement",
        str(agreement.pk),
        "--format",
        file_format,
        "--output",
        str(output),
        stdout=out,
    )

    assert "Wrote 4 row(s)" in out.getvalue()
    codebook = tmp_path / f"export.{file_format}.codebook.csv"
    assert codebook.exists()
    variables = {
        row["variable"] for row in csv.DictReader(io.StringIO(codebook.read_text("utf-8-sig")))
    }
    assert "pseudonym" in variables
    if file_format == "csv":
        rows = list(csv.DictReader(io.StringIO(output.read_text("utf-8-sig"))))
    else:
        read = pyreadstat.read_sav if file_format == "sav" else pyreadstat.read_dta
        frame, meta = read(str(output))
        rows = frame.to_dict("records")
        assert meta.variable_value_labels["gender"]
    assert len(rows) == 4
    logged = AccessEvent.objects.get(object_type="research_agreement", detail__contains="command")
    assert "rows 4" in logged.detail and "k 3" in logged.detail


def test_no_agreement_or_an_expired_one_refuses(tmp_path, rita, consented):
    output = tmp_path / "export.csv"
    with pytest.raises(CommandError, match="No data-sharing agreement"):
        call_command(
            "research_export", "--agreement", "999", "--format", "csv", "--output", str(output)
        )
    agreement = agreement_for(rita, k=3)
    ResearchAgreement.objects.filter(pk=agreement.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(CommandError, match="expired"):
        call_command(
            "research_export",
            "--agreement",
            str(agreement.pk),
            "--format",
            "csv",
            "--output",
            str(output),
        )
    assert not output.exists()
    assert not AccessEvent.objects.filter(detail__contains="research export by command").exists()
