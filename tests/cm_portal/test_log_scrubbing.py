"""security.md 18: no personal identity number, note text or raw CR/LF from input reaches
the application logs. The logs are read where they leave the process: the console
handler that LOGGING configures, with its filter, at DEBUG."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cm_portal.logging import ScrubPersonalDataFilter, scrub
from participants.models import Participant

pytestmark = pytest.mark.django_db

IDENTITY_NUMBER = "20031117-9253"  # a valid number (Luhn), born 2003
NOTE = "Kim berättade om sin syster\r\nFORGED 2026-01-01 INFO admin logged in"


@pytest.fixture
def application_log():
    """Everything the configured console handler writes, at every level, as text."""
    root = logging.getLogger()
    handlers = [h for h in root.handlers if h.get_name() == "console"]
    assert handlers, "LOGGING configures a console handler"
    buffer = io.StringIO()
    # Swapped, not setStream(): that flushes the old stream, which may be an earlier
    # test's captured stderr that pytest has closed.
    streams = [handler.stream for handler in handlers]
    for handler in handlers:
        handler.stream = buffer
    level = root.level
    root.setLevel(logging.DEBUG)
    yield buffer
    root.setLevel(level)
    for handler, stream in zip(handlers, streams, strict=True):
        handler.stream = stream


def test_the_console_handler_scrubs():
    handlers = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert handlers
    assert all(
        any(isinstance(f, ScrubPersonalDataFilter) for f in handler.filters) for handler in handlers
    )


@pytest.mark.parametrize(
    "number", ["20031117-9253", "200311179253", "031117-9253", "0311179253", "031117+9253"]
)
def test_identity_numbers_are_masked_in_every_form(number):
    assert number not in scrub(f"looked up {number} today")


def test_line_breaks_and_control_characters_cannot_forge_a_line():
    assert scrub("a\r\nb\nc\x1b[31m") == "a  b c [31m"


def test_nothing_personal_reaches_the_log_through_the_forms(application_log, persona_client):
    client = persona_client("alice")
    start = (timezone.localdate() - timedelta(days=30)).isoformat()
    client.post(
        reverse("participants:create"),
        {
            "display_name": "Kim",
            "personal_identity_number": IDENTITY_NUMBER,
            "birth_year": 2003,
            "gender": "woman",
            "entry_path": "outreach",
            "intervention_start": start,
        },
    )
    participant = Participant.objects.get()
    client.post(
        reverse("participants:contact_create", args=[participant.pk]),
        {"date": start, "kind": "meeting", "duration_minutes": 30, "note": NOTE},
    )
    # Wrong input, an unknown page with the number in its address, and a bad form.
    client.post(
        reverse("participants:contact_create", args=[participant.pk]),
        {"date": "not a date", "kind": "meeting", "duration_minutes": "x", "note": NOTE},
    )
    client.get(f"/participants/{IDENTITY_NUMBER}/")
    client.get(reverse("participants:list"), {"q": IDENTITY_NUMBER})
    logging.getLogger("cm_portal.test").warning("search for %s\r\nforged", IDENTITY_NUMBER)

    written = application_log.getvalue()
    assert "Not Found" in written  # the 404 was logged, so the log was read
    assert IDENTITY_NUMBER not in written
    assert IDENTITY_NUMBER.replace("-", "") not in written
    assert "syster" not in written
    assert "FORGED" not in written
    assert "\r" not in written
    assert all(not line.startswith("forged") for line in written.splitlines())
