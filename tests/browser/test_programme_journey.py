"""Issue 14's journey: an administrator sets up another district's programme with two goals
in the browser, and a project-group member of it then sees its quarterly report. No code
change, only the real UI in Debian's Chromium (English, so the test reads the msgids)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from cm_portal.models import Role
from cm_portal.programmes.models import Programme

from ..conftest import _staff
from .test_case_manager_journey import PHONE
from .test_steering_report_journey import _log_in

pytestmark = pytest.mark.browser


def test_an_administrator_sets_up_a_programme_and_its_project_group_sees_the_report(
    live_server, open_page, ada, district
):
    member = _staff("pelle@district.example", "Pelle Projekt", district, Role.PROJECT_GROUP)
    base = live_server.url

    page: Page = open_page()
    _log_in(page, base, ada, start="/")  # administrators keep the plain start page
    page.get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="New programme").click()
    page.locator("#id_slug").fill("farsta-cm")
    page.locator("#id_name").fill("CM i Farsta")
    page.locator("#id_start").fill("2026-01-01")
    page.locator("#id_end").fill("2027-12-31")
    page.get_by_label(district.name).check()
    page.get_by_label("Outreach work").check()
    page.get_by_label("Project quarter").check()
    page.get_by_label("Pelle Projekt").check()
    page.locator("#id_phases").fill("start; Uppstart; 1; 6\nrun; Drift; 7; 24")
    page.get_by_role("button", name="Create programme").click()
    assert "The programme was created" in page.inner_text("main")

    page.locator("#id_kind").select_option("participants_reached")
    page.locator("#id_target").fill("25")
    page.get_by_role("button", name="Save the goal").click()
    page.locator("#id_kind").select_option("plan_within_window")
    page.locator("#id_window_days").fill("42")
    page.locator("#id_target_percent").fill("75")
    page.get_by_role("button", name="Save the goal").click()
    assert "The goal was saved" in page.inner_text("main")
    programme = Programme.objects.get(slug="farsta-cm")
    assert {goal.kind: goal.parameters for goal in programme.goals.all()} == {
        "participants_reached": {"target": 25},
        "plan_within_window": {"window_days": 42, "target_percent": 75},
    }

    phone = open_page(**PHONE)
    _log_in(phone, base, member)
    phone.goto(f"{base}/reports/")
    main = phone.inner_text("main")
    assert "CM i Farsta: Project quarter" in main
    assert "Individual plan within 6 weeks" in main
    assert "definition version 1" in main
    assert phone.evaluate("document.documentElement.scrollWidth") <= 376
    # Another programme's report is not theirs.
    response = phone.request.get(f"{base}/reports/?programme=vagledning-i-vardagslivet")
    assert response.status == 404
