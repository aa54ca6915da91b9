"""Issue 6's journey: a steering-group member asks for a quarterly report on a phone, the
worker renders it (here: the task run in the test), and they download the PDF. Only the
real UI, in Debian's Chromium; the browser asks for English so the test reads the msgids.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from cm_portal import pdf
from cm_portal.pdf import PdfStatus
from cm_portal.tasks import render_pdf
from reporting.models import SteeringReport
from reporting.views.pdfs import REFRESH_SECONDS
from tests.consent.helpers import use_temporary_storage
from tests.helpers import log_in_in_the_browser, pdf_to_text
from tests.reporting.fixtures_pdfs import NAMES, known_fixture

from .test_case_manager_journey import PHONE

pytestmark = pytest.mark.browser


def _log_in(page: Page, base: str, user, start: str = "/reports/start/") -> None:
    """As ``test_plan_journey._log_in``, but the steering group starts on the start page
    (members: the latest period's goals, issue 17)."""
    log_in_in_the_browser(page, base, user, lands_on=start)


def test_a_steering_group_member_asks_for_and_downloads_a_quarterly_report(
    live_server, open_page, steve, alice, hela_manniskan, settings, tmp_path, monkeypatch
):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    known_fixture(hela_manniskan, alice)
    queued: list[int] = []
    # The worker is played by the test: the request only notes what it would have sent.
    monkeypatch.setattr(pdf, "enqueue_render", lambda label, pk: queued.append(pk))
    base = live_server.url
    page = open_page(**PHONE)
    _log_in(page, base, steve)

    page.goto(f"{base}/reports/pdfs/")
    assert "No reports yet." in page.inner_text("main")
    page.get_by_label("Kind of report").select_option("quarterly")
    page.get_by_label("Project quarter (quarterly report)").fill("1")
    # The page's own clock, so that its five seconds before looking again can be skipped
    # once the PDF is there (it runs as a real clock until then).
    page.clock.install()
    page.get_by_role("button", name="Produce the report").click()
    page.wait_for_url(f"{base}/reports/pdfs/*/")  # the report's own status page
    main = page.inner_text("main")
    assert "The report is being produced" in main
    assert "Queued" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 376

    assert len(queued) == 1
    render_pdf.apply(args=(SteeringReport._meta.label_lower, queued[0]))
    assert SteeringReport.objects.get(pk=queued[0]).status == PdfStatus.READY

    # No reload by hand: the status page looks again by itself and shows the download.
    page.clock.fast_forward(REFRESH_SECONDS * 1000)
    page.get_by_text("The PDF is ready.").wait_for(timeout=20_000)
    assert "Ready" in page.inner_text("main")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").first.click()
    download = download_info.value
    assert download.suggested_filename == "quarterly-2026-05-01-2026-07-31.pdf"
    text = pdf_to_text(Path(download.path()).read_bytes())
    assert "Projektkvartal 1" in text  # the PDF is in the portal's language, Swedish
    for name in NAMES:
        assert name not in text
