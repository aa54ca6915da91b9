"""security.md 18 through every form: an identity number, note text and CR/LF posted into
every field of every form reach the application log neither whole nor as a forged line.

Each form gets two posts: its valid submission with the payload in every field the
submission leaves empty (optional notes and the like, so most are saved), and the payload in
every field (refused). The log is read where it leaves the process (``application_log``).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.cm_portal.test_log_scrubbing import IDENTITY_NUMBER, NOTE, application_log  # noqa: F401

from . import checks
from .endpoints import POST_FORMS, field_names
from .test_forms import POST_NAMES, _target

pytestmark = pytest.mark.django_db

PAYLOAD = f"{IDENTITY_NUMBER} {NOTE}"


@pytest.mark.parametrize("url_name", POST_NAMES)
def test_nothing_personal_posted_to_a_form_reaches_the_log(url_name, request, application_log):  # noqa: F811
    target = _target(url_name, request.getfixturevalue)
    fields = field_names(POST_FORMS, url_name)
    filled = target.base | {field: PAYLOAD for field in fields if not target.base.get(field)}
    everywhere = target.base | dict.fromkeys(fields, PAYLOAD)
    for data in (filled, everywhere):
        cache.clear()
        with checks.rolled_back():
            response = checks.send(
                target.client_for_example(), "POST", target.url, data, urlencoded=True
            )
            assert response.status_code < 500

    written = application_log.getvalue()
    assert IDENTITY_NUMBER not in written
    assert IDENTITY_NUMBER.replace("-", "") not in written
    assert "syster" not in written
    assert "FORGED" not in written
    assert "\r" not in written
