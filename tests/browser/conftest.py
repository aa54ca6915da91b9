"""One Debian Chromium for the whole run, and pages whose console errors, page errors
and failed responses (a CSP refusal, a 500) fail the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

from ..conftest import verified_client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(
    browser: Browser, problems: list[str], allowed: list[tuple[int, str]], **context_options
) -> Page:
    context_options.setdefault("locale", "en-GB")
    context = browser.new_context(**context_options)
    page = context.new_page()
    # Generous: CI shares two cores with other work, and a slow page is not a wrong one.
    page.set_default_timeout(30_000)

    def on_console(message: ConsoleMessage) -> None:
        # A failed load is reported with its address by on_response below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def on_response(response: Response) -> None:
        # The browser asks for /favicon.ico on its own; the portal has none.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            if any(response.status == status and part in response.url for status, part in allowed):
                return
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


@pytest.fixture
def open_page(browser: Browser):
    """open_page(**context options) → a page; console errors (e.g. CSP refusals) fail the test.

    A test that provokes an error response on purpose (a refused form answers 400) names it:
    ``open_page.allow(400, "/contacts/")``.
    """
    problems: list[str] = []
    pages: list[Page] = []
    allowed: list[tuple[int, str]] = []

    def make(**context_options) -> Page:
        page = _page(browser, problems, allowed, **context_options)
        pages.append(page)
        return page

    make.allow = lambda status, part: allowed.append((status, part))  # type: ignore[attr-defined]

    yield make
    for page in pages:
        page.context.close()
    assert problems == []


def enter_logged_in(page: Page, base_url: str, user) -> None:
    """Gives the page's browser a session of ``user`` with the second factor passed, made
    as the test client makes one (``django.contrib.auth.login``: the login signal, the
    session times, the staff session and the access log's entry), without walking the
    login pages: four page loads and two posts, about two seconds a test under load.
    The login itself is walked in a browser by test_login_journey and by the accessibility
    test's anonymous persona; a test whose subject is what follows the login starts here."""
    session = verified_client(user).cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": base_url}]
    )
