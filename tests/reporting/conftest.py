"""The reporting tests read English: the interface, the PDFs and the exports default to
Swedish (``LANGUAGE_CODE``), so the tests make English the default instead. A test that
checks the Swedish sets the language itself."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_by_default(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
