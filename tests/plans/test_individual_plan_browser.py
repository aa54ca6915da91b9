"""On a phone: build an individual plan with a goal, a changed sub-goal and a contact path,
establish it, and see it in the history. Only the real UI, in Debian's Chromium."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from plans.models import IndividualPlan
from tests.browser.conftest import browser, open_page  # noqa: F401
from tests.browser.test_case_manager_journey import PHONE
from tests.factories import PASSWORD
from tests.helpers import code_for

from .helpers_individual_plan import plan_participant_of

pytestmark = pytest.mark.browser


def _log_in(page: Page, base: str, user) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/accounts/two-factor/")
    page.fill("#id_token", code_for(user.totpdevice_set.get(confirmed=True)))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def test_build_and_establish_a_plan_on_a_phone(live_server, open_page, request, alice):  # noqa: F811
    participant = plan_participant_of(request.getfixturevalue)
    base = live_server.url
    page = open_page(**PHONE)
    _log_in(page, base, alice)
    plan_url = f"{base}/plans/participant/{participant.pk}/plan/"
    page.goto(plan_url)
    assert "No goals yet." in page.inner_text("main")

    page.get_by_role("link", name="Add a goal").click()
    page.locator("#id_title").fill("Own flat")
    page.get_by_label("First sub-goal").fill("Join the housing queue")
    page.get_by_role("button", name="Add the goal").click()
    page.wait_for_url(plan_url)

    page.get_by_role("link", name="Edit goal and sub-goals").click()
    first = page.locator("fieldset").nth(0)
    first.get_by_label("Status").select_option(label="Achieved")
    page.locator("fieldset").nth(1).get_by_label("Sub-goal").fill("Visit flats")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(plan_url)
    goal_card = page.locator("main article", has_text="Own flat")
    assert "Achieved" in goal_card.inner_text()
    assert "Visit flats" in goal_card.inner_text()

    # Establishing before there is a contact path says what is missing.
    page.get_by_role("button", name="Establish the plan").click()
    page.wait_for_url(plan_url)
    assert "Add at least one contact path." in page.inner_text("main")

    page.get_by_role("link", name="Edit contact paths").click()
    row = page.locator("fieldset").nth(0)
    row.get_by_label("Actor").fill("Psychiatry clinic")
    row.get_by_label("How to reach").fill("phone 08-123")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(plan_url)

    page.get_by_role("button", name="Establish the plan").click()
    page.wait_for_url(plan_url)
    today = timezone.localdate().isoformat()
    assert "The plan was established." in page.inner_text("main")
    assert IndividualPlan.objects.get().established_on.isoformat() == today
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1

    page.get_by_role("link", name="History").click()
    assert "Established" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
