"""A case manager's day on a phone: log in, register a participant, record a consent that
shares with the district, log a contact. Only the real UI, driven through Debian's Chromium.

The browser context asks for English (locale "en" and Accept-Language: en), so the
labels the test looks for are the English msgids whatever the translations say.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from cm_portal.models import AccessEvent
from consent.models import Consent
from participants.models import Contact, Participant, SharingGrant

from ..factories import PASSWORD
from ..helpers import code_for

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "en",
    "extra_http_headers": {"Accept-Language": "en"},
}


@pytest.fixture
def phone(open_page) -> Page:
    """A phone-sized page; console errors and failed responses fail the test."""
    return open_page(**PHONE)


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").click()


def test_case_manager_registers_a_participant_records_consent_and_logs_a_contact(
    live_server, phone: Page, alice, district
):
    base = live_server.url
    page = phone
    today = timezone.localdate()
    started = today - timedelta(days=30)
    signed = today - timedelta(days=7)

    # Password, then the code alice's authenticator app shows.
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", alice.email)
    page.fill("#id_password", PASSWORD)
    _submit(page)
    page.wait_for_url(f"{base}/accounts/two-factor/")
    page.fill("#id_token", code_for(alice.totpdevice_set.get(confirmed=True)))
    _submit(page)
    page.wait_for_url(f"{base}/plans/dashboard/")  # case workers start on their deadlines

    # The menu is behind the toggler on a phone.
    participants_link = page.locator("#main-nav").get_by_role("link", name="Participants")
    assert not participants_link.is_visible()
    page.locator("button.navbar-toggler").click()
    participants_link.wait_for(state="visible")
    participants_link.click()
    page.wait_for_url(f"{base}/participants/")

    page.get_by_role("link", name="New participant").click()
    page.wait_for_url(f"{base}/participants/new/")
    page.get_by_label("Name or pseudonym").fill("Kim")
    page.get_by_label("Birth year").fill("2003")
    page.get_by_label("Gender").select_option(label="Woman")
    page.get_by_label("Entry path").select_option(label="Outreach work")
    page.get_by_label("Intervention started").fill(started.isoformat())
    page.get_by_role("button", name="Register").click()

    page.wait_for_url(f"{base}/participants/*/")
    heading = page.get_by_role("heading", level=1)
    assert "HM-0001" in heading.inner_text()
    assert "Kim" in heading.inner_text()
    participant_url = page.url

    page.get_by_role("link", name="Consents", exact=True).click()
    page.wait_for_url(f"{base}/participants/*/consents/")
    page.get_by_role("link", name="Record a consent").click()
    page.wait_for_url(f"{base}/participants/*/consents/new/")
    page.get_by_label(district.name, exact=True).check()
    page.get_by_label("Purpose").fill("Coordinated support with the district's social services.")
    page.get_by_label("Signed on").fill(signed.isoformat())
    page.get_by_label("Signed by").select_option(label="The participant")
    page.get_by_role("button", name="Record the consent").click()

    page.wait_for_url(f"{base}/participants/*/consents/")
    consent_card = page.locator("main section.card")
    assert consent_card.count() == 1
    card_heading = consent_card.get_by_role("heading").inner_text()
    assert signed.isoformat() in card_heading
    assert "Valid" in card_heading
    assert district.name in consent_card.inner_text()

    page.get_by_role("link", name="HM-0001").click()
    page.wait_for_url(participant_url)
    # Logging a contact is a page of its own, one tap from the participant (issue 17).
    page.get_by_role("link", name="Log a contact").first.click()
    contact_form = page.locator("main form[action$='/contacts/']")
    contact_form.get_by_label("Kind").select_option(label="Phone")
    contact_form.get_by_label("Duration (minutes)").fill("15")
    contact_form.get_by_role("button", name="Log contact").click()

    page.wait_for_url(participant_url)
    row = page.locator("main table tbody tr", has_text="Phone")
    assert row.count() == 1
    assert today.isoformat() in row.inner_text()
    assert "15" in row.inner_text()

    # No sideways scrolling on a 375 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1

    participant = Participant.objects.get()
    assert participant.reference == "HM-0001"
    assert participant.display_name == "Kim"
    assert participant.birth_year == 2003
    assert participant.intervention_start == started
    consent = Consent.objects.get()
    assert consent.participant == participant
    assert consent.signed_on == signed
    grant = SharingGrant.objects.get()
    assert (grant.participant, grant.organisation, grant.consent_id) == (
        participant,
        district,
        consent.pk,
    )
    contact = Contact.objects.get()
    assert (contact.participant, contact.kind, contact.duration_minutes) == (
        participant,
        "phone",
        15,
    )

    events = AccessEvent.objects.filter(actor=alice)
    on_participant = events.filter(object_type="participant", object_id=str(participant.pk))
    assert on_participant.filter(action=AccessEvent.Action.CREATE, detail="").exists()
    assert on_participant.filter(
        action=AccessEvent.Action.CREATE, detail=f"contact {contact.pk}"
    ).exists()
    assert on_participant.filter(action=AccessEvent.Action.VIEW).exists()
    assert on_participant.filter(action=AccessEvent.Action.VIEW, detail="consents").exists()
    assert on_participant.filter(
        action=AccessEvent.Action.CREATE, detail=f"consent {consent.pk}"
    ).exists()
