"""Issue 15's journey: the two team leads approve the final report on their phones, one
change in between withdraws the first approval, and a steering-group member downloads the
final PDF. Only the real UI, in Debian's Chromium at 375 px; the worker is played by the
test (the render task run here), as in the steering report's journey."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from cm_portal import pdf
from cm_portal.pdf import PdfStatus
from cm_portal.tasks import render_pdf
from reporting.models import ClosingDocument, ClosingKind, ClosingPdf, ClosingStatus
from tests.consent.helpers import use_temporary_storage
from tests.helpers import pdf_to_text
from tests.reporting.fixtures_pdfs import NAMES, known_fixture
from tests.reporting.helpers_final_report import district_lead, final_report_of

from .test_case_manager_journey import PHONE
from .test_steering_report_journey import _log_in

pytestmark = pytest.mark.browser


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 376


def _approve(page: Page) -> None:
    page.get_by_role("button", name="Approve version").click()
    # The confirmation step says what approving does before anything is stored.
    assert "When a team lead of each organisation has approved" in page.inner_text("main")
    _fits(page)
    page.get_by_role("button", name="Approve", exact=True).click()


def test_both_team_leads_approve_the_final_report_and_a_steering_member_downloads_it(
    live_server,
    open_page,
    tess,
    steve,
    alice,
    hela_manniskan,
    district,
    settings,
    tmp_path,
    monkeypatch,
):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    known_fixture(hela_manniskan, alice)
    lena = district_lead(district)
    document = final_report_of(tess, lena)  # every part written, not yet approved
    queued: list[int] = []
    monkeypatch.setattr(pdf, "enqueue_render", lambda label, pk: queued.append(pk))
    base = live_server.url
    closing = f"{base}/reports/closing/{document.programme.slug}/final-report/"

    # Tess (Hela Människan) finds the final report from the report page and approves.
    tess_page = open_page(**PHONE)
    _log_in(tess_page, base, tess, start="/plans/dashboard/")
    tess_page.goto(f"{base}/reports/")
    tess_page.get_by_role("link", name="The final report").click()
    tess_page.wait_for_url(closing)
    _fits(tess_page)
    _approve(tess_page)
    tess_page.wait_for_url(closing)
    assert "final once every organisation approves" in tess_page.inner_text("main")

    # Lena (the district) changes her organisation's part: Tess's approval is withdrawn.
    lena_page = open_page(**PHONE)
    _log_in(lena_page, base, lena, start="/plans/dashboard/")
    lena_page.goto(closing)
    lena_page.get_by_role("link", name=f"Edit: Whether {district.name} contributed").click()
    _fits(lena_page)
    lena_page.get_by_label("Text").fill("Stadsdelen bidrog med handläggare och lokaler.")
    lena_page.get_by_role("button", name="Save").click()
    lena_page.wait_for_url(closing)
    main = lena_page.inner_text("main")
    assert "Approvals given before this change are withdrawn" in main
    assert f"{hela_manniskan.name}: not approved" in main
    _approve(lena_page)
    lena_page.wait_for_url(closing)
    assert ClosingDocument.objects.get(pk=document.pk).status == ClosingStatus.DRAFT

    # Tess reads the new version and approves it: the report is final, the PDF asked for.
    tess_page.goto(closing)
    assert "Stadsdelen bidrog med handläggare och lokaler." in tess_page.inner_text("main")
    _approve(tess_page)
    tess_page.wait_for_url(closing)
    assert "the document is final" in tess_page.inner_text("main")
    assert ClosingDocument.objects.get(pk=document.pk).status == ClosingStatus.FINAL
    assert len(queued) == 1
    render_pdf.apply(args=(ClosingPdf._meta.label_lower, queued[0]))
    assert ClosingPdf.objects.get(pk=queued[0]).status == PdfStatus.READY

    # A steering-group member downloads it from their start page.
    steve_page = open_page(**PHONE)
    _log_in(steve_page, base, steve)
    steve_page.get_by_role("link", name="The final report").click()
    steve_page.wait_for_url(closing)
    _fits(steve_page)
    assert "Approve version" not in steve_page.inner_text("main")
    with steve_page.expect_download() as download_info:
        steve_page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"final-report-{document.programme.slug}.pdf"
    text = pdf_to_text(Path(download.path()).read_bytes())
    assert "Slutrapport" in text
    assert "Hur väl målen har uppnåtts" in text
    assert "Stadsdelen bidrog med handläggare och lokaler." in text
    for name in NAMES:
        assert name not in text
    assert ClosingDocument.objects.get(pk=document.pk).kind == ClosingKind.FINAL_REPORT
