"""Issue 17's journeys at 375 px and 1280 px: a case manager finds what is coming in the
calendar and subscribes to, then revokes, the personal feed (item 13); the steering group
starts on the latest period's goals and is told a PDF asked for twice is already there
(item 10). Only the real UI, in Debian's Chromium, in English (the test reads the msgids).
"""

from __future__ import annotations

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import Page

from cm_portal import pdf
from cm_portal.tasks import render_pdf
from plans.models import CoordinationMeeting, DeadlineKind
from reporting.models import SteeringReport
from reporting.views.pdfs import REFRESH_SECONDS
from tests.consent.helpers import use_temporary_storage
from tests.participants.factories import register
from tests.plans.rows_dashboard import deadline_for
from tests.reporting.fixtures_pdfs import known_fixture

from ..helpers import log_in_in_the_browser

pytestmark = pytest.mark.browser

WIDTHS = {
    375: {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
    1280: {"viewport": {"width": 1280, "height": 800}},
}
ENGLISH = {"locale": "en", "extra_http_headers": {"Accept-Language": "en"}}


def _fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.mark.parametrize("width", WIDTHS)
def test_a_case_manager_sees_what_is_coming_and_subscribes(
    width, live_server, open_page, alice, hela_manniskan
):
    kim = register(hela_manniskan, alice, display_name="Kim Kalender")
    today = timezone.localdate()
    deadline_for(kim, kind=DeadlineKind.PLAN, due_on=today)
    CoordinationMeeting.objects.create(
        participant=kim, kind="intern_sip", meeting_on=today, created_by=alice
    )
    base = live_server.url
    page = open_page(**WIDTHS[width], **ENGLISH)
    log_in_in_the_browser(page, base, alice, lands_on="/plans/dashboard/")

    if width == 375:  # the menu folds away on a phone
        page.get_by_role("button", name="Show menu").click()
    page.get_by_role("link", name="Calendar").click()
    page.wait_for_url(f"{base}/plans/calendar/")
    main = page.inner_text("main")
    assert kim.reference in main and "Individual plan" in main and "Intern-SIP" in main
    assert "Kim Kalender" not in main
    _fits(page, width)
    page.get_by_role("link", name="Month").click()
    assert kim.reference in page.inner_text("main")
    _fits(page, width)

    page.get_by_role("link", name="Show it in your own calendar").click()
    page.get_by_role("button", name="Make a calendar link").click()
    link = page.get_by_label("Your link (shown this once):").input_value()
    _fits(page, width)
    feed = page.request.get(link)
    assert feed.status == 200
    events = list(icalendar.Calendar.from_ical(feed.body()).walk("VEVENT"))
    assert {str(event["SUMMARY"]).split(":")[0] for event in events} == {kim.reference}
    assert b"Kim" not in feed.body()

    page.get_by_role("button", name="Revoke the link").click()
    assert "no longer works" in page.inner_text("main")
    assert page.request.get(link).status == 404


@pytest.mark.parametrize("width", WIDTHS)
def test_the_steering_group_starts_on_the_goals_and_a_second_request_is_already_there(
    width, live_server, open_page, steve, alice, hela_manniskan, settings, tmp_path, monkeypatch
):
    use_temporary_storage({"settings": settings, "tmp_path": tmp_path}.__getitem__)
    known_fixture(hela_manniskan, alice)
    queued: list[int] = []
    monkeypatch.setattr(pdf, "enqueue_render", lambda label, pk: queued.append(pk))
    base = live_server.url
    page = open_page(**WIDTHS[width], **ENGLISH)
    log_in_in_the_browser(page, base, steve, lands_on="/reports/start/")

    main = page.inner_text("main")
    for code in ("K1", "K2", "K3", "K4", "K5"):
        assert code in main
    _fits(page, width)
    page.get_by_role("link", name="The reports as PDF").click()
    page.get_by_label("Kind of report").select_option("quarterly")
    page.get_by_label("Project quarter (quarterly report)").fill("1")
    # The page's own clock, so that its five seconds before looking again can be skipped
    # once the PDF is there (it runs as a real clock until then).
    page.clock.install()
    page.get_by_role("button", name="Produce the report").click()
    page.wait_for_url(f"{base}/reports/pdfs/*/")
    assert "The PDF is being produced" in page.inner_text("main")
    _fits(page, width)

    render_pdf.apply(args=(SteeringReport._meta.label_lower, queued[0]))
    page.clock.fast_forward(REFRESH_SECONDS * 1000)
    page.get_by_text("The PDF is ready.").wait_for(timeout=20_000)  # no reload by hand

    page.goto(f"{base}/reports/pdfs/")
    page.get_by_label("Kind of report").select_option("quarterly")
    page.get_by_label("Project quarter (quarterly report)").fill("1")
    page.get_by_role("button", name="Produce the report").click()
    page.wait_for_url(f"{base}/reports/pdfs/{queued[0]}/")
    assert "This report is already there" in page.inner_text("main")
    assert SteeringReport.objects.count() == 1
    _fits(page, width)
