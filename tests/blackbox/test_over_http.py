"""Security round 2 over HTTP: gunicorn with production settings, an attacker's client.

Each test replays one finding of the black-box test (the security round-2 issue, items 1-8)
as requests a person outside the code could send, and checks what the server answered, what
it e-mailed and, where the finding was about records, what it wrote.
"""

from __future__ import annotations

import pytest

from cm_portal.models import Role

from ..factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.blackbox


def test_the_harness_logs_in_with_password_and_code(server, hela_manniskan):
    user = UserFactory(organisation=hela_manniskan, role=Role.CASE_MANAGER)
    TOTPDeviceFactory(user=user)
    client = server.client()

    password_only = client.form_post(
        "/accounts/login/", {"username": user.email, "password": "a-long-test-passphrase-2026"}
    )
    assert password_only.status_code == 302
    assert client.get("/participants/").status_code == 302  # to the second factor

    verified = server.client()
    assert verified.log_in(user).status_code == 302
    assert verified.get("/participants/").status_code == 200
