"""What a member of staff really does: the portal's login page, the provider's own login
page, back to the portal (with and without the portal's code), logout and the provider's
end-session. Debian's Chromium through Playwright; the provider is the real test provider."""

from __future__ import annotations

import re

import pytest

from ..helpers import code_for
from ..oidc import conftest as oidc_fixtures
from ..oidc.provider import PROVIDER_PASSWORD

# The provider and the district registered there, as tests/oidc uses them (the session's
# provider here is a second one, started when the first of these tests runs).
oidc_provider = oidc_fixtures.oidc_provider
district_idp = oidc_fixtures.district_idp
charlie = oidc_fixtures.charlie

pytestmark = pytest.mark.browser


def _through_the_provider(page, base: str, email: str, provider_user: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/accounts/login/"))
    page.fill("#id_username", provider_user)
    page.fill("#id_password", PROVIDER_PASSWORD)
    page.click("#provider-submit")


@pytest.fixture
def portal_at_provider(live_server, oidc_provider, district_idp):
    # The live server and the provider both last the session: the portal's addresses are
    # registered once (each registration runs a management command in a new process).
    if f"{live_server.url}/accounts/oidc/callback/" not in oidc_provider.redirect_uris:
        oidc_provider.allow_redirect(live_server.url)
    return live_server.url


def test_a_provider_login_with_mfa_then_logout_at_the_provider_too(
    portal_at_provider,
    oidc_provider,
    charlie,
    open_page,
):
    base = portal_at_provider
    page = open_page()

    _through_the_provider(page, base, charlie.email, "charlie.mfa")

    page.wait_for_url(f"{base}/plans/dashboard/")  # no code asked: the provider asserted MFA
    assert "Charlie" in page.inner_text("main")

    page.locator("header form button[type=submit]").click()
    page.wait_for_url(f"{base}/accounts/logged-out/")
    page.click("#provider-logout")
    page.wait_for_url(re.compile(rf"^{re.escape(oidc_provider.issuer)}/logout/"))
    page.goto(f"{base}/plans/dashboard/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))


def test_a_provider_login_without_mfa_asks_for_the_portals_code(
    portal_at_provider,
    charlie,
    open_page,
):
    base = portal_at_provider
    page = open_page()

    _through_the_provider(page, base, charlie.email, "charlie")

    page.wait_for_url(f"{base}/accounts/two-factor/")
    page.fill("#id_token", code_for(charlie.totpdevice_set.get()))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/plans/dashboard/")
