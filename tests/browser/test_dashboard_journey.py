"""A case manager's start page and reminders on a phone, in Debian's Chromium (English)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from plans.models import DeadlineKind, DeadlineState, Reminder, ReminderStage
from tests.participants.factories import register
from tests.plans.rows_dashboard import deadline_for, reminder_for

from .test_case_manager_journey import PHONE
from .test_plan_journey import _log_in

pytestmark = pytest.mark.browser


def _fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"] + 1


def test_a_case_manager_sees_what_is_due_and_reads_the_reminders_on_a_phone(
    live_server, open_page, alice, hela_manniskan
):
    today = timezone.localdate()
    kim = register(hela_manniskan, alice, display_name="Kim")
    late = deadline_for(
        kim,
        kind=DeadlineKind.CRISIS_PLAN,
        due_on=today - timedelta(days=2),
        state=DeadlineState.OVERDUE,
    )
    deadline_for(kim, kind=DeadlineKind.PLAN, due_on=today + timedelta(days=5))
    reminder_for(late, alice, stage=ReminderStage.FIRST_DAY_OVERDUE)
    base = live_server.url
    page = open_page(**PHONE)

    _log_in(page, base, alice)
    page.wait_for_url(f"{base}/plans/dashboard/")

    table = page.get_by_role("table", name="Deadlines of your participants")
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    assert "Overdue" in rows.nth(0).inner_text()
    assert "2 days overdue" in rows.nth(0).inner_text()
    assert "5 days left" in rows.nth(1).inner_text()
    assert _fits_the_phone(page)

    page.locator("button.navbar-toggler").click()
    reminders_link = page.locator("#main-nav").get_by_role("link", name="Reminders")
    reminders_link.wait_for(state="visible")
    assert page.locator("#main-nav .badge[aria-label='1 unread']").inner_text() == "1"
    reminders_link.click()
    page.wait_for_url(f"{base}/plans/reminders/")
    assert _fits_the_phone(page)
    assert "Unread" in page.get_by_role("table", name="Your reminders, newest first").inner_text()

    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_url(f"{base}/plans/reminders/")
    assert "1 reminder marked as read." in page.inner_text("main")
    assert page.locator("#main-nav .badge").count() == 0
    assert Reminder.objects.get().read_at is not None

    link = page.get_by_role("link", name=kim.reference)
    link.click()
    page.wait_for_url(f"{base}/participants/{kim.pk}/crisis-plan/")
