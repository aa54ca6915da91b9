"""Who may enrol a first second factor, kept in the session (security.md 34).

A password alone proves too little to be shown a TOTP secret: only a session that proved
the mailbox (it opened the e-mailed set-password link) or logged in through the
organisation's identity provider may enrol. Each such session's attempt has its own device.
"""

from __future__ import annotations

from django.http import HttpRequest

# The id of the account this session may enrol a first second factor for.
ENROL_ALLOWED_KEY = "cm_enrol_allowed_for"
# The unconfirmed device this session's enrolment attempt shows the secret of.
ENROL_DEVICE_KEY = "cm_enrol_device"


def enrolment_allow(request: HttpRequest, user) -> None:
    request.session[ENROL_ALLOWED_KEY] = user.pk
    request.session.pop(ENROL_DEVICE_KEY, None)
