"""The research export: who is in it, what it holds, pseudonyms, refusals, the worker's
file and the access log."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cm_portal.models import AccessEvent
from cm_portal.pdf import PdfStatus
from cm_portal.tasks import render_pdf
from consent.services import consent_withdraw
from reporting.research.anonymity import QUASI_IDENTIFIERS, class_of
from reporting.research.dataset import COLUMNS
from reporting.research.models import ResearchAgreement, ResearchExport
from reporting.research.services import (
    AgreementNotValid,
    research_dataset,
    research_export_request,
)
from tests.factories import default_programme
from tests.participants.factories import register

from .helpers import agreement_for, research_consent
from .population import create, forbidden_values, population

pytestmark = pytest.mark.django_db
EXPORT = "research.researchexport"


def today():
    return timezone.localdate()


@pytest.fixture
def programmes(hela_manniskan, district):
    """The agreement's programme and another one."""
    from cm_portal.programmes.services import programme_create

    other = programme_create(
        slug="next-district",
        name="Next district",
        start=date(2025, 1, 1),
        end=date(2028, 12, 31),
        organisations=[hela_manniskan, district],
        actor=None,
    )
    return [default_programme(), other]


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=population(), k=st.integers(3, 6))
def test_random_populations_are_k_anonymous_and_hold_no_identifier(
    people, k, programmes, rita, alice, hela_manniskan, district
):
    with transaction.atomic():
        participants = create(people, [hela_manniskan, district], alice, programmes)
        agreement = agreement_for(rita, k=k)
        result = research_dataset(agreement, day=today())

        sizes = Counter(class_of(row) for row in result.rows)
        assert all(size >= k for size in sizes.values()), sizes
        consented = sum(1 for p in people if p["consents"] and p["programme_index"] == 0)
        assert len(result.rows) + result.dropped == consented
        forbidden = forbidden_values(participants)
        for row in result.rows:
            assert tuple(row) == COLUMNS
            for value in row.values():
                assert value is None or str(value) not in forbidden, value
        transaction.set_rollback(True)


@pytest.fixture
def five(alice, hela_manniskan):
    """Five alike participants (one equivalence class), each with a research consent."""
    start = today() - timedelta(days=40)
    people = [
        register(hela_manniskan, alice, display_name=f"Person {n}", intervention_start=start)
        for n in range(5)
    ]
    for participant in people:
        research_consent(participant, alice)
    return people


def test_only_participants_with_a_valid_research_consent_are_exported(
    five, rita, alice, hela_manniskan
):
    start = today() - timedelta(days=40)
    other = register(hela_manniskan, alice, intervention_start=start)
    research_consent(other, alice, research=False)  # a consent, but not to research
    expired = register(hela_manniskan, alice, intervention_start=start)
    research_consent(
        expired,
        alice,
        signed_on=today() - timedelta(days=30),
        valid_until=today() - timedelta(days=1),
    )
    agreement = agreement_for(rita, k=3)

    result = research_dataset(agreement, day=today())

    assert len(result.rows) == 5
    assert result.dropped == 0


def test_pseudonyms_are_stable_within_an_agreement_and_differ_across(five, rita):
    first = agreement_for(rita, k=3)
    second = agreement_for(rita, k=3)

    once = {row["pseudonym"] for row in research_dataset(first, day=today()).rows}
    again = {row["pseudonym"] for row in research_dataset(first, day=today()).rows}
    other = {row["pseudonym"] for row in research_dataset(second, day=today()).rows}

    assert len(once) == 5
    assert once == again
    assert not once & other


def test_the_secret_is_stored_sealed(five, rita):
    from reporting.research.pseudonyms import unseal

    agreement = agreement_for(rita, k=3)
    secret = unseal(agreement.secret_sealed)
    assert len(secret) == 32
    assert secret.hex() not in agreement.secret_sealed
    stored = ResearchAgreement.objects.values_list("secret_sealed", flat=True).get()
    assert secret.hex() not in stored


def test_a_withdrawn_research_consent_removes_the_participant_from_the_next_export(
    five, rita, alice
):
    agreement = agreement_for(rita, k=3)
    before = research_dataset(agreement, day=today()).rows
    consent = five[0].consents.get(research=True)

    consent_withdraw(consent=consent, withdrawn_on=today(), by_whom="participant", actor=alice)

    after = research_dataset(agreement, day=today()).rows
    assert len(after) == len(before) - 1
    from reporting.research.pseudonyms import pseudonym, unseal

    gone = pseudonym(unseal(agreement.secret_sealed), five[0].pk)
    assert gone in {row["pseudonym"] for row in before}
    assert gone not in {row["pseudonym"] for row in after}


def test_an_expired_agreement_refuses(five, rita):
    agreement = agreement_for(rita, k=3)
    ResearchAgreement.objects.filter(pk=agreement.pk).update(expires_on=today() - timedelta(days=1))
    agreement.refresh_from_db()

    with pytest.raises(AgreementNotValid):
        research_dataset(agreement, day=today())
    with pytest.raises(ValidationError):
        research_export_request(agreement=agreement, file_format="csv", actor=rita)
    assert not ResearchExport.objects.exists()


def test_an_agreement_cannot_be_recorded_expired_or_with_a_small_k_or_a_non_researcher(rita, alice):
    with pytest.raises(ValidationError):
        agreement_for(rita, expires_on=today() - timedelta(days=1))
    with pytest.raises(ValidationError):
        agreement_for(rita, k=2)
    with pytest.raises(ValidationError):
        agreement_for(alice)  # a case manager is not a researcher
    assert not ResearchAgreement.objects.exists()


def test_only_a_named_researcher_may_ask(five, rita, district):
    from tests.conftest import _staff

    other = _staff("ola@mchs.example", "Ola Other", district, "researcher")
    agreement = agreement_for(rita, k=3)
    with pytest.raises(ValidationError):
        research_export_request(agreement=agreement, file_format="csv", actor=other)


def _csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_worker_renders_the_zip_and_logs_agreement_rows_and_k(
    five, rita, django_capture_on_commit_callbacks
):
    agreement = agreement_for(rita, k=3)
    with django_capture_on_commit_callbacks(execute=False):
        export = research_export_request(agreement=agreement, file_format="csv", actor=rita)

    render_pdf(EXPORT, export.pk)

    export.refresh_from_db()
    assert export.status == PdfStatus.READY
    assert (export.rows, export.k, export.generalised, export.dropped) == (5, 3, 0, 0)
    assert export.export_date == today()
    with export.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "codebook.csv", "data.csv"]
        rows = _csv_rows(archive.read("data.csv"))
        codebook = _csv_rows(archive.read("codebook.csv"))
    assert len(rows) == 5
    assert tuple(rows[0]) == COLUMNS
    assert {row["variable"] for row in codebook} == set(COLUMNS)
    gender = next(r for r in codebook if r["variable"] == "gender" and r["value"] == "woman")
    assert (gender["value_label_sv"], gender["value_label_en"]) == ("Kvinna", "Woman")
    logged = AccessEvent.objects.filter(
        object_type="research_agreement", object_id=str(agreement.pk), detail__contains="rows 5"
    ).get()
    assert logged.actor == rita
    assert "k 3" in logged.detail
    for person in five:
        assert person.display_name not in logged.detail


def test_an_agreement_that_expires_before_the_render_gives_no_file(
    five, rita, django_capture_on_commit_callbacks
):
    agreement = agreement_for(rita, k=3)
    with django_capture_on_commit_callbacks(execute=False):
        export = research_export_request(agreement=agreement, file_format="sav", actor=rita)
    ResearchAgreement.objects.filter(pk=agreement.pk).update(expires_on=today() - timedelta(days=1))

    render_pdf(EXPORT, export.pk)

    export.refresh_from_db()
    assert export.status == PdfStatus.FAILED
    assert export.failure_reason == "AgreementNotValid"
    assert not export.file


def test_the_quasi_identifiers_are_columns_of_the_export():
    assert set(QUASI_IDENTIFIERS) <= set(COLUMNS)
    assert QUASI_IDENTIFIERS == (
        "gender",
        "age_group",
        "entry_path",
        "organisation_kind",
        "start_quarter",
    )


def test_the_export_says_whether_and_why_the_case_ended_never_in_free_text(five, rita, alice):
    from participants.models import Participant
    from participants.services import participant_close

    first, second, third = five[:3]
    participant_close(
        participant=first,
        end_date=today(),
        reason_code="moved",
        reason="Flyttade till Malmö med sin pojkvän",
        actor=alice,
    )
    participant_close(participant=second, end_date=today(), reason_code="died", actor=alice)
    # Closed without a code (written around the services): "other", as the migration says.
    Participant.objects.filter(pk=third.pk).update(intervention_end=today(), end_reason="Oklart")
    agreement = agreement_for(rita, k=3)

    rows = research_dataset(agreement, day=today()).rows

    endings = Counter((row["ended"], row["end_reason"]) for row in rows)
    assert endings == {(1, "moved"): 1, (1, "died"): 1, (1, "other"): 1, (0, None): 2}
    for row in rows:
        assert "Flyttade till Malmö med sin pojkvän" not in row.values()
        assert "Oklart" not in row.values()


def test_the_age_groups_are_the_programmes_own_and_still_generalised(
    rita, alice, hela_manniskan, district, tmp_path
):
    import pyreadstat

    from cm_portal.programmes.services import programme_create
    from reporting.research.services import research_export_write

    start = today() - timedelta(days=40)
    pilot = programme_create(
        slug="pilot",
        name="Pilot",
        start=start - timedelta(days=100),
        end=start + timedelta(days=700),
        organisations=[hela_manniskan, district],
        age_bins=[[18, 19], [20, 24]],
        actor=None,
    )
    # Ages at the start: six of 19, five of 22, one of 30 (other), alike but for the age.
    ages = [19] * 6 + [22] * 5 + [30]
    for age in ages:
        participant = register(
            hela_manniskan,
            alice,
            intervention_start=start,
            birth_year=start.year - age,
            programme=pilot,
        )
        research_consent(participant, alice)
    agreement = agreement_for(rita, k=5, programme=pilot)

    result = research_dataset(agreement, day=today())

    # The lone 30-year-old is generalised to "all" and, alone there too, dropped.
    assert Counter(row["age_group"] for row in result.rows) == {"18-19": 6, "20-24": 5}
    assert (result.generalised, result.dropped) == (0, 1)
    written = research_export_write(agreement=agreement, file_format="csv")
    codebook = _csv_rows(written.codebook)
    assert [
        row["value"] for row in codebook if row["variable"] == "age_group" and row["value"]
    ] == [
        "18-19",
        "20-24",
        "other",
        "all",
    ]
    sav = tmp_path / "export.sav"
    sav.write_bytes(research_export_write(agreement=agreement, file_format="sav").data)
    frame, meta = pyreadstat.read_sav(str(sav))
    assert meta.variable_value_labels["age_group"][1] == "18-19 / 18-19"
    assert meta.variable_value_labels["age_group"][2] == "20-24 / 20-24"
    assert sorted(frame["age_group"]) == [1] * 6 + [2] * 5


def test_a_small_age_group_is_generalised_to_all_ages_and_kept(rita, alice, hela_manniskan):
    start = today() - timedelta(days=40)
    programme = default_programme()
    # Three of 19 and three of 23 in one start quarter: each age group too small for k=5,
    # together (as "all") large enough.
    for age in [19, 19, 19, 23, 23, 23]:
        participant = register(
            hela_manniskan, alice, intervention_start=start, birth_year=start.year - age
        )
        research_consent(participant, alice)
    agreement = agreement_for(rita, k=5, programme=programme)

    result = research_dataset(agreement, day=today())

    assert [row["age_group"] for row in result.rows] == ["all"] * 6
    assert (result.generalised, result.dropped) == (6, 0)
