"""What a person really does: the first login with enrolment, logging out and in again,
and the navigation on a phone. Debian's Chromium, driven by Playwright's sync API."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page

from cm_portal.models import Role

from ..factories import PASSWORD, OrganisationFactory, UserFactory
from ..helpers import code_for_key, log_in_in_the_browser, set_password_in_the_browser

pytestmark = pytest.mark.browser


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").click()


def _log_in_with_password(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    _submit(page)


def test_first_login_enrols_the_second_factor_then_logs_in_again(live_server, open_page):
    organisation = OrganisationFactory(slug="hela-manniskan")
    nina = UserFactory(
        email="nina@hela.example",
        name="Nina Ny",
        organisation=organisation,
        role=Role.CASE_MANAGER,
    )
    base = live_server.url
    page = open_page()

    set_password_in_the_browser(page, base, nina)  # the link from the welcome e-mail
    _log_in_with_password(page, base, nina.email)

    page.wait_for_url(f"{base}/accounts/two-factor/setup/")
    assert page.locator(".qr-code svg").is_visible()
    secret = re.sub(r"\s", "", page.inner_text("#totp-secret"))
    key = base64.b32decode(secret)
    assert key == TOTPDevice.objects.get(user=nina).bin_key
    page.fill("#id_token", code_for_key(key))
    _submit(page)

    page.wait_for_url(f"{base}/plans/dashboard/")  # a case manager starts on the deadlines
    assert "Nina" in page.inner_text("main")
    assert TOTPDevice.objects.get(user=nina).confirmed

    page.locator("header form button[type=submit]").click()
    page.wait_for_url(f"{base}/accounts/login/")
    page.goto(f"{base}/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))

    _log_in_with_password(page, base, nina.email)
    page.wait_for_url(f"{base}/accounts/two-factor/")
    # The code just used at enrolment is spent; the app's next one is accepted.
    page.fill("#id_token", code_for_key(key, drift=1))
    _submit(page)
    page.wait_for_url(f"{base}/plans/dashboard/")  # a case manager starts on the deadlines
    assert "Nina" in page.inner_text("main")


def test_on_a_phone_the_navigation_collapses_behind_a_button(live_server, open_page):
    district = OrganisationFactory(slug="district")
    ada = UserFactory(
        email="ada@district.example",
        name="Ada Admin",
        organisation=district,
        role=Role.ADMINISTRATOR,
    )
    TOTPDevice.objects.create(user=ada, name="phone", confirmed=True)
    base = live_server.url
    page = open_page(viewport={"width": 375, "height": 740})

    log_in_in_the_browser(page, base, ada, lands_on="/")

    toggler = page.locator("button.navbar-toggler")
    staff_link = page.locator("#main-nav a.nav-link", has_text="Staff")
    assert toggler.is_visible()
    assert not staff_link.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    toggler.click()  # Bootstrap's script, allowed by the CSP nonce, opens the menu
    staff_link.wait_for(state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"
    staff_link.click()
    page.wait_for_url(f"{base}/administration/staff/")
