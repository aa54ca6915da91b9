"""Issue 4's journey on a phone: build and establish an individual plan, write a crisis
plan with a chain of responsibility, hand the participant a self-rating link, and the
participant fills it in on their own phone without logging in. Only the real UI, in
Debian's Chromium; the browser asks for English so the test reads the English msgids.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from plans.models import CrisisPlan, IndividualPlan, SelfRating
from tests.participants.factories import register

from ..helpers import log_in_in_the_browser
from .test_case_manager_journey import PHONE

pytestmark = pytest.mark.browser


def _log_in(page: Page, base: str, user) -> None:
    # Case workers start on their deadlines.
    log_in_in_the_browser(page, base, user, lands_on="/plans/dashboard/")


def _open_from_the_menu(page: Page, name: str) -> None:
    menu = page.get_by_role("navigation", name="Pages of this participant")
    menu.get_by_role("link", name=name).click()


def _fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"] + 1


def _build_and_establish_the_plan(page: Page, plan_url: str) -> None:
    assert "No goals yet." in page.inner_text("main")
    page.get_by_role("link", name="Add a goal").click()
    page.locator("#id_title").fill("Own flat")
    page.get_by_label("First sub-goal").fill("Join the housing queue")
    page.get_by_role("button", name="Add the goal").click()
    page.wait_for_url(plan_url)

    page.get_by_role("link", name="Edit goal and sub-goals").click()
    page.locator("fieldset").nth(0).get_by_label("Status").select_option(label="Achieved")
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
    assert "The plan was established." in page.inner_text("main")
    assert _fits_the_phone(page)

    page.get_by_role("link", name="History").click()
    assert "Established" in page.inner_text("main")
    assert _fits_the_phone(page)


def _write_the_crisis_plan(page: Page, crisis_url: str) -> None:
    # A crisis-relevant participant without an established crisis plan is prompted.
    assert "needs a crisis and safety plan" in page.inner_text("main")
    page.get_by_role("link", name="Write a crisis and safety plan").click()
    page.get_by_label("Signs that things are getting worse").fill("Stops answering the phone")
    page.get_by_label("Who acts").first.fill("Case manager")
    page.get_by_label("How to reach them").first.fill("070-123 45 67")
    page.get_by_label("When", exact=True).first.fill("Office hours")
    page.get_by_label("Who acts").nth(1).fill("Psychiatric emergency")
    page.get_by_label("How to reach them").nth(1).fill("08-123 00 00")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(crisis_url)
    chain = page.locator("main").inner_text()
    assert chain.index("Case manager") < chain.index("Psychiatric emergency")

    page.get_by_role("button", name="Establish").click()
    page.wait_for_url(crisis_url)
    assert "The crisis and safety plan is established." in page.inner_text("main")
    assert "needs a crisis and safety plan" not in page.inner_text("main")
    assert _fits_the_phone(page)


def _hand_over_a_self_rating_link(page: Page) -> str:
    link_form = page.locator("form", has=page.get_by_role("button", name="Create a link"))
    link_form.get_by_label("Before (baseline)").check()
    link_form.get_by_role("button", name="Create a link for the participant").click()
    page.wait_for_url("**/self-ratings/link/*/")
    assert page.locator("main svg").count() == 1  # the QR code the participant can scan
    return page.locator("main a[rel=noreferrer]").get_attribute("href")


def test_a_plan_a_crisis_chain_and_a_self_rating_on_the_participants_phone(
    live_server, open_page, alice, hela_manniskan
):
    participant = register(
        hela_manniskan,
        alice,
        display_name="Kim Svensson",
        crisis_relevant=True,
        intervention_start=timezone.localdate() - timedelta(days=20),
    )
    base = live_server.url
    page = open_page(**PHONE)
    _log_in(page, base, alice)

    page.goto(f"{base}/participants/{participant.pk}/")
    _open_from_the_menu(page, "Individual plan")
    plan_url = f"{base}/participants/{participant.pk}/plan/"
    page.wait_for_url(plan_url)
    _build_and_establish_the_plan(page, plan_url)
    assert IndividualPlan.objects.get().established_on == timezone.localdate()

    _open_from_the_menu(page, "Crisis and safety plan")
    crisis_url = f"{base}/participants/{participant.pk}/crisis-plan/"
    page.wait_for_url(crisis_url)
    _write_the_crisis_plan(page, crisis_url)
    crisis_plan = CrisisPlan.objects.get()
    assert [link.who for link in crisis_plan.chain.all()] == [
        "Case manager",
        "Psychiatric emergency",
    ]

    _open_from_the_menu(page, "Self-ratings")
    link_url = _hand_over_a_self_rating_link(page)
    assert link_url.startswith(f"{base}/plans/rate/")

    # The participant's own phone: no login, and nothing on the page says who they are.
    own_phone = open_page(**PHONE)
    own_phone.goto(link_url)
    text = own_phone.inner_text("body")
    assert participant.reference not in text
    assert "Kim" not in text
    assert "Hela Människan" not in text
    questions = own_phone.locator("main fieldset")
    for number, answer in enumerate(("Often", "Some of the time", "Hardly ever", "A little")):
        questions.nth(number).get_by_text(answer, exact=True).click()
    assert _fits_the_phone(own_phone)
    own_phone.get_by_role("button", name="Send my answers").click()
    own_phone.get_by_role("heading", name="Thank you").wait_for()

    rating = SelfRating.objects.get()
    assert (rating.participant, rating.source, rating.phase) == (
        participant,
        "participant",
        "baseline",
    )
    assert (rating.ucla_1, rating.ucla_2, rating.ucla_3, rating.participation) == (3, 2, 1, 2)

    # The link works once: opening it again says so, and the case manager sees the answers.
    # (Asked outside the page: the page fixture fails on any 4xx, and 410 is the answer here.)
    again = own_phone.request.get(link_url)
    assert again.status == 410
    assert "already been used" in again.text()
    _open_from_the_menu(page, "Self-ratings")
    assert "The participant, via link" in page.inner_text("main")
