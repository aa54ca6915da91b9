"""The final report and the written account (issue 15): sections with history and the plans'
lock, free text without personal data, approval by a team lead of each organisation, the
figures frozen as of the approval, the PDF rendered once by the worker's task."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cm_portal import pdf
from cm_portal.models import OutboxMessage
from cm_portal.pdf import PdfStatus
from cm_portal.tasks import render_pdf
from reporting import final_report, periods
from reporting.models import (
    ClosingApproval,
    ClosingDocument,
    ClosingKind,
    ClosingPdf,
    ClosingSection,
    ClosingSectionRevision,
    ClosingStatus,
    SectionKey,
)
from reporting.selectors import report_context
from tests.consent.helpers import PDF, use_temporary_storage
from tests.factories import default_programme
from tests.helpers import pdf_to_text

from ..conftest import verified_client
from .fixtures_pdfs import NAMES, REFERENCES, known_fixture
from .helpers_final_report import district_lead, final_report_of, start, texts_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def lena(district):
    return district_lead(district)


@pytest.fixture
def swedish(settings):
    """The portal's language: the PDFs and the frozen figures are in Swedish."""
    settings.LANGUAGE_CODE = "sv"
    with translation.override("sv"):
        yield


@pytest.fixture
def storage(settings, tmp_path):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)


def _approve(document: ClosingDocument, actor, **kwargs):
    document.refresh_from_db()
    return final_report.closing_document_approve(
        document=document, expected_version=document.version, actor=actor, **kwargs
    )


def _section(document: ClosingDocument, key: str, organisation=None) -> ClosingSection:
    return document.sections.get(key=key, organisation=organisation)


# The parts -----------------------------------------------------------------------------------


def test_the_final_report_has_seed_001s_six_parts_with_one_contribution_per_organisation(
    tess, lena
):
    document = start(ClosingKind.FINAL_REPORT, tess)
    keys = [s.key for s in final_report.sections_of(document)]
    assert keys == [
        SectionKey.CARRIED_OUT,
        SectionKey.GOALS,
        SectionKey.CONTRIBUTION,
        SectionKey.CONTRIBUTION,
        SectionKey.TIMETABLE_BUDGET,
        SectionKey.LEARNT,
        SectionKey.RESEARCH,
    ]
    contributions = document.sections.filter(key=SectionKey.CONTRIBUTION)
    assert {s.organisation_id for s in contributions} == {
        tess.organisation_id,
        lena.organisation_id,
    }
    # Starting again gives the same draft.
    assert start(ClosingKind.FINAL_REPORT, lena).pk == document.pk


def test_only_the_organisations_team_lead_writes_its_contribution(tess, lena, steve):
    document = start(ClosingKind.FINAL_REPORT, tess)
    district_part = _section(document, SectionKey.CONTRIBUTION, lena.organisation)
    for outsider in (tess, steve):
        with pytest.raises(ValidationError):
            final_report.closing_section_save(
                section=district_part, text="Vi bidrog.", expected_version=0, actor=outsider
            )
    final_report.closing_section_save(
        section=district_part, text="Vi bidrog.", expected_version=0, actor=lena
    )
    # The shared parts: either team lead, and the programme's steering group.
    shared = _section(document, SectionKey.LEARNT)
    final_report.closing_section_save(
        section=shared, text="Vi lärde oss.", expected_version=0, actor=steve
    )
    assert ClosingSectionRevision.objects.filter(section__document=document).count() == 2


# Locking and history -----------------------------------------------------------------------


def test_a_stale_edit_is_refused_and_the_first_one_stands(tess, lena):
    document = start(ClosingKind.FINAL_REPORT, tess)
    section = _section(document, SectionKey.CARRIED_OUT)
    final_report.closing_section_save(
        section=section, text="Tess skrev först.", expected_version=0, actor=tess
    )
    with pytest.raises(final_report.SectionConflict):
        final_report.closing_section_save(
            section=section, text="Lena skrev samtidigt.", expected_version=0, actor=lena
        )
    section.refresh_from_db()
    assert section.text == "Tess skrev först."
    assert section.version == 1
    assert list(section.revisions.values_list("version", "text")) == [(1, "Tess skrev först.")]


def test_the_stale_edit_page_keeps_the_text_typed_and_says_why_in_swedish(tess, lena, swedish):
    document = start(ClosingKind.FINAL_REPORT, tess)
    section = _section(document, SectionKey.CARRIED_OUT)
    final_report.closing_section_save(
        section=section, text="Tess skrev först.", expected_version=0, actor=tess
    )
    url = reverse(
        "reporting:closing_section",
        kwargs={"slug": default_programme().slug, "kind": "final-report", "pk": section.pk},
    )
    client = verified_client(lena)
    response = client.post(
        url, {"version": 0, "text": "Lenas långa text som inte får gå förlorad."}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Någon annan sparade avsnittet" in page
    assert "Lenas långa text som inte får gå förlorad." in page
    section.refresh_from_db()
    assert section.text == "Tess skrev först."


# Personal data in free text ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Deltagaren 20030511-2385 kom tillbaka.",  # a valid number with its separator
        "Deltagaren 200305112385 kom tillbaka.",
        "Deltagaren 0305112393 kom tillbaka.",
        "Deltagaren 030511-2393 kom tillbaka.",
        "Deltagaren 20030511-2382 kom tillbaka.",  # mistyped check digit, still refused
        "Se HM-0001 om hur det gick.",
        "Se hm-0042 om hur det gick.",
        "Se D-12 om hur det gick.",
        "Se HM-PDF-3 om hur det gick.",  # a reference typed by hand at intake
    ],
)
def test_personal_data_in_free_text_is_refused_with_the_place_named(
    tess, lena, alice, hela_manniskan, text
):
    known_fixture(hela_manniskan, alice)
    document = start(ClosingKind.FINAL_REPORT, tess)
    section = _section(document, SectionKey.LEARNT)
    with pytest.raises(ValidationError) as refused:
        final_report.closing_section_save(
            section=section, text=text, expected_version=0, actor=tess
        )
    message = " ".join(refused.value.message_dict["text"])
    assert "What the parties learnt" in message
    section.refresh_from_db()
    assert section.text == "" and section.version == 0


@pytest.mark.parametrize(
    "text",
    [
        "Budgeten var 300000 kr och 36 månader, 2026-05-01 till 2029-05-01.",
        "Ring 08-508 22 000 om du undrar.",
        "Vi nådde 31 deltagare (mål 30) och 82 % hade en plan.",
    ],
)
def test_ordinary_numbers_are_not_taken_for_personal_data(tess, lena, text):
    document = start(ClosingKind.FINAL_REPORT, tess)
    section = _section(document, SectionKey.CARRIED_OUT)
    final_report.closing_section_save(section=section, text=text, expected_version=0, actor=tess)


def test_the_edit_page_names_the_section_in_swedish(tess, lena, swedish):
    document = start(ClosingKind.FINAL_REPORT, tess)
    section = _section(document, SectionKey.CONTRIBUTION, lena.organisation)
    url = reverse(
        "reporting:closing_section",
        kwargs={"slug": default_programme().slug, "kind": "final-report", "pk": section.pk},
    )
    response = verified_client(lena).post(
        url, {"version": 0, "text": "Vi stöttade 20030511-2385 särskilt."}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "personnummer" in page
    assert lena.organisation.name in page  # the place: whether the district contributed


# Budget and research file -----------------------------------------------------------------


def test_the_budget_is_validated_against_the_ceiling_entered(tess, lena):
    document = start(ClosingKind.FINAL_REPORT, tess)
    section = _section(document, SectionKey.TIMETABLE_BUDGET)

    def save_budget(**used):
        final_report.closing_section_save(
            section=section,
            text="Tidsplanen höll.",
            budget_ceiling=300_000,
            **used,
            expected_version=0,
            actor=tess,
        )

    with pytest.raises(ValidationError) as refused:
        save_budget(budget_used=300_001)
    assert "budget_used" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        save_budget()  # no amount used
    assert "budget_used" in refused.value.message_dict
    save_budget(budget_used=250_000)
    section.refresh_from_db()
    assert (section.budget_ceiling, section.budget_used) == (300_000, 250_000)


def test_the_research_file_must_be_a_whole_pdf(tess, lena, storage):
    document = start(ClosingKind.FINAL_REPORT, tess)
    section = _section(document, SectionKey.RESEARCH)
    with pytest.raises(ValidationError) as refused:
        final_report.closing_section_save(
            section=section,
            text="MCHS följeforskning.",
            attachment=SimpleUploadedFile("r.pdf", b"%PDF-not really", "application/pdf"),
            expected_version=0,
            actor=tess,
        )
    assert "attachment" in refused.value.message_dict
    final_report.closing_section_save(
        section=section,
        text="MCHS följeforskning.",
        attachment=SimpleUploadedFile("Forskning om HM-0001.pdf", PDF, "application/pdf"),
        expected_version=0,
        actor=tess,
    )
    section.refresh_from_db()
    assert section.attachment.name.startswith("closing-research/")
    assert "HM-0001" not in section.attachment.name


# Approval ---------------------------------------------------------------------------------


def test_one_side_approves_the_other_edits_and_the_approval_is_withdrawn(tess, lena):
    document = final_report_of(tess, lena)
    _approve(document, tess)
    assert ClosingApproval.objects.filter(document=document, withdrawn_at__isnull=True).count() == 1
    section = _section(document, SectionKey.CONTRIBUTION, lena.organisation)
    final_report.closing_section_save(
        section=section,
        text="Ändrat efter Tess godkände.",
        expected_version=section.version,
        actor=lena,
    )
    document.refresh_from_db()
    assert not ClosingApproval.objects.filter(document=document, withdrawn_at__isnull=True).exists()
    assert ClosingApproval.objects.get(document=document).withdrawn_at is not None
    # Lena's approval of the new version does not make it final: Tess approved the old one.
    _approve(document, lena)
    document.refresh_from_db()
    assert document.status == ClosingStatus.DRAFT
    assert not ClosingPdf.objects.exists()


def test_an_approval_of_a_version_read_before_an_edit_is_refused(tess, lena):
    document = final_report_of(tess, lena)
    read_version = document.version
    section = _section(document, SectionKey.LEARNT)
    final_report.closing_section_save(
        section=section, text="Mer lärdom.", expected_version=section.version, actor=lena
    )
    with pytest.raises(ValidationError) as refused:
        final_report.closing_document_approve(
            document=document, expected_version=read_version, actor=tess
        )
    assert refused.value.code == "conflict"
    assert not ClosingApproval.objects.exists()


def test_an_unwritten_part_cannot_be_approved(tess, lena):
    document = start(ClosingKind.FINAL_REPORT, tess)
    with pytest.raises(ValidationError) as refused:
        _approve(document, tess)
    assert "How the work was carried out" in " ".join(refused.value.messages)


@pytest.mark.usefixtures("blank_pdfs")
def test_both_approve_the_report_is_final_and_its_pdf_rendered_once(
    tess, lena, alice, hela_manniskan, storage, django_capture_on_commit_callbacks
):
    known_fixture(hela_manniskan, alice)
    document = final_report_of(tess, lena)
    _approve(document, tess)
    before = OutboxMessage.objects.count()
    with django_capture_on_commit_callbacks(execute=False):
        _approve(document, lena)
    document.refresh_from_db()
    assert document.status == ClosingStatus.FINAL
    assert document.figures["goals"]
    rows = ClosingPdf.objects.filter(document=document)
    assert rows.count() == 1
    assert OutboxMessage.objects.count() == before + 1
    row = rows.get()
    # The worker's task, twice (a redelivery): rendered and stored once.
    render_pdf.apply(args=(ClosingPdf._meta.label_lower, row.pk))
    row.refresh_from_db()
    assert row.status == PdfStatus.READY
    stored = row.file.name
    render_pdf.apply(args=(ClosingPdf._meta.label_lower, row.pk))
    row.refresh_from_db()
    assert row.file.name == stored and row.claims == 1
    # Final: no more edits, no more approvals.
    section = _section(document, SectionKey.LEARNT)
    with pytest.raises(ValidationError):
        final_report.closing_section_save(
            section=section, text="För sent.", expected_version=section.version, actor=tess
        )
    with pytest.raises(ValidationError):
        _approve(document, tess)
    assert ClosingPdf.objects.count() == 1


def test_the_figures_are_frozen_as_of_the_approval(
    tess, lena, alice, hela_manniskan, storage, monkeypatch
):
    people = known_fixture(hela_manniskan, alice)
    monkeypatch.setattr(pdf, "enqueue_render", lambda label, pk: None)
    document = final_report_of(tess, lena)
    _approve(document, tess)
    _approve(document, lena)
    document.refresh_from_db()
    frozen = document.figures
    k1 = next(goal for goal in frozen["goals"] if goal["code"] == "K1")
    assert k1["met"] == "7"
    # A participant registered after the approval changes the live figures, not the report.
    people[0].pk = None
    people[0].reference = "HM-PDF-8"
    people[0].personal_identity_number = ""
    people[0].save()
    document.refresh_from_db()
    assert document.figures == frozen
    live = final_report.closing_figures(document)
    assert next(g for g in live["goals"] if g["code"] == "K1")["met"] == "8"


def test_pdftotext_shows_the_six_parts_and_every_goals_cumulative_figure(
    tess, lena, alice, hela_manniskan, storage, monkeypatch, swedish
):
    known_fixture(hela_manniskan, alice)
    monkeypatch.setattr(pdf, "enqueue_render", lambda label, pk: None)
    document = final_report_of(tess, lena)
    _approve(document, tess)
    _approve(document, lena)
    row = ClosingPdf.objects.get(document=document)
    render_pdf.apply(args=(ClosingPdf._meta.label_lower, row.pk))
    row.refresh_from_db()
    with row.file.open("rb") as handle:
        text = pdf_to_text(handle.read())
    for heading in (
        "Hur verksamheten har genomförts",
        "Hur väl målen har uppnåtts",
        "bidragit enligt överenskommelse",
        "Om tidsplan och budget höll",
        "Vad parterna har lärt sig",
        "Följeforskningens resultat",
    ):
        assert heading in text, heading
    for organisation in (tess.organisation, lena.organisation):
        assert f"Om {organisation.name} har bidragit enligt överenskommelse" in text
    # Every goal's cumulative figure, as the report context computes it independently.
    programme = default_programme()
    context = report_context(
        programme=programme,
        period=periods.whole_programme(programme),
        trend_quarters=[],
    )
    cumulative = context["goal_tables"][1]["rows"]
    assert len(cumulative) == 1 + len(context["goals"])
    for goal in cumulative:
        assert goal["code"] in text
        assert f"{goal['code']} " in text
        assert goal["figures"]["met"] in text
        if goal["figures"].get("percent"):
            assert goal["figures"]["percent"] in text
    assert "K2" in text and "71,4 %" in text  # 5 of 7 within the window
    assert "300000" in text.replace(" ", "") and "275500" in text.replace(" ", "")
    for name in NAMES:
        assert name not in text
    for reference in REFERENCES:
        assert reference not in text


# The written account --------------------------------------------------------------------


def test_the_written_account_is_signed_off_at_the_programmes_end_as_pdf_and_csv(
    tess, lena, alice, hela_manniskan, storage, monkeypatch, steve, swedish
):
    known_fixture(hela_manniskan, alice)
    monkeypatch.setattr(pdf, "enqueue_render", lambda label, pk: None)
    programme = default_programme()
    document = start(ClosingKind.WRITTEN_ACCOUNT, tess)
    assert document.organisation == hela_manniskan
    section = document.sections.get()
    assert section.key == SectionKey.ACCOUNT
    # Only the giving organisation's team lead writes it.
    with pytest.raises(ValidationError):
        final_report.closing_section_save(
            section=section, text="Redogörelse.", expected_version=0, actor=lena
        )
    final_report.closing_section_save(
        section=section, text=texts_for(section), expected_version=0, actor=tess
    )
    with pytest.raises(ValidationError) as refused:
        _approve(document, tess, today=programme.end - timedelta(days=1))
    assert programme.end.isoformat() in " ".join(refused.value.messages)
    _approve(document, tess, today=programme.end)
    _approve(document, lena, today=programme.end)
    document.refresh_from_db()
    assert document.is_final
    account = {row["key"]: row["value"] for row in document.figures["account"]}
    assert account["individual_contacts"] == 7
    assert account["unique_persons"] == 7
    row = ClosingPdf.objects.get(document=document)
    render_pdf.apply(args=(ClosingPdf._meta.label_lower, row.pk))
    row.refresh_from_db()
    with row.file.open("rb") as handle:
        text = pdf_to_text(handle.read())
    assert "Skriftlig redogörelse till stadsdelen" in text
    assert "Individkontakter 7" in text
    response = verified_client(steve).get(
        reverse("reporting:closing_csv", kwargs={"slug": programme.slug, "kind": "written-account"})
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [rows[1][2], rows[1][4]] == ["individual_contacts", "7"]


# Downloads --------------------------------------------------------------------------------


@pytest.mark.usefixtures("blank_pdfs")
def test_the_final_pdf_is_for_the_programmes_members_and_team_leads_only(
    tess, lena, steve, pia, alice, charlie, dana, ada, rita, storage, monkeypatch
):
    monkeypatch.setattr(pdf, "enqueue_render", lambda label, pk: None)
    # Charlie's organisation takes no part here: two parties approve.
    default_programme().organisations.remove(charlie.organisation)
    document = final_report_of(tess, lena)
    url = reverse(
        "reporting:closing_pdf",
        kwargs={"slug": default_programme().slug, "kind": "final-report"},
    )
    assert verified_client(steve).get(url).status_code == 404  # not final yet
    _approve(document, tess)
    _approve(document, lena)
    row = ClosingPdf.objects.get()
    render_pdf.apply(args=(ClosingPdf._meta.label_lower, row.pk))
    for user in (steve, pia, tess, lena):
        response = verified_client(user).get(url)
        assert response.status_code == 200, user.email
        assert response.content.startswith(b"%PDF-")
    for user in (alice, charlie, dana, ada, rita):
        assert verified_client(user).get(url).status_code == 404, user.email


def test_the_research_file_is_uploaded_through_the_page_and_a_non_pdf_refused(
    tess, lena, storage, swedish
):
    document = start(ClosingKind.FINAL_REPORT, tess)
    section = _section(document, SectionKey.RESEARCH)
    url = reverse(
        "reporting:closing_section",
        kwargs={"slug": default_programme().slug, "kind": "final-report", "pk": section.pk},
    )
    client = verified_client(tess)
    refused = client.post(
        url,
        {
            "version": 0,
            "text": "MCHS följeforskning.",
            "attachment": SimpleUploadedFile("r.png", b"\x89PNG\r\n\x1a\nnot a png", "image/png"),
        },
    )
    assert refused.status_code == 400
    assert "måste vara en hel PDF-fil" in refused.content.decode()
    section.refresh_from_db()
    assert section.version == 0 and not section.attachment
    saved = client.post(
        url,
        {
            "version": 0,
            "text": "MCHS följeforskning.",
            "attachment": SimpleUploadedFile("r.pdf", PDF, "application/pdf"),
        },
    )
    assert saved.status_code == 302
    download = client.get(
        reverse(
            "reporting:closing_research_file",
            kwargs={"slug": default_programme().slug, "kind": "final-report"},
        )
    )
    assert download.status_code == 200
    assert download.content == PDF


def test_nothing_final_nothing_to_download(tess, lena, steve):
    start(ClosingKind.WRITTEN_ACCOUNT, tess)
    slug = default_programme().slug
    client = verified_client(steve)
    for name, kind in (
        ("reporting:closing_pdf", "final-report"),
        ("reporting:closing_pdf", "written-account"),
        ("reporting:closing_csv", "written-account"),
        ("reporting:closing_csv", "final-report"),
        ("reporting:closing", "no-such-document"),
    ):
        response = client.get(reverse(name, kwargs={"slug": slug, "kind": kind}))
        assert response.status_code == 404, (name, kind)


def test_an_organisation_that_joins_later_gets_its_part_and_must_approve_too(
    tess, lena, other_district, monkeypatch
):
    monkeypatch.setattr(pdf, "enqueue_render", lambda label, pk: None)
    programme = default_programme()
    programme.organisations.remove(other_district)
    document = final_report_of(tess, lena)
    _approve(document, tess)
    programme.organisations.add(other_district)
    with pytest.raises(ValidationError) as refused:
        _approve(document, lena)
    assert other_district.name in " ".join(refused.value.messages)
    added = _section(document, SectionKey.CONTRIBUTION, other_district)
    assert added.text == ""
    document.refresh_from_db()
    assert document.status == ClosingStatus.DRAFT
