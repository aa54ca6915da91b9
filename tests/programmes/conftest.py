from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """The messages read in English (the interface default is Swedish)."""
    with translation.override("en"):
        yield
