"""Permission rows for the identity-provider URLs (collected by tests/test_permission_matrix.py)."""

from __future__ import annotations

from ..matrix import LOGIN, Row, statuses

ADMIN_PAGE = statuses(anonymous=LOGIN, staff=403, ada=200)
ADMIN_POST = statuses(anonymous=LOGIN, staff=403, ada=302)


def _provider_form(f) -> dict:
    return {
        "issuer": "https://login.example.org/tenant/v2.0",
        "client_id": "cm-portal",
        "client_secret": "a-secret-the-matrix-posts",
        "email_claim": "email",
        "email_domains": "district.example",
        "accepted_acr_values": "",
    }


ROWS: dict[str, Row] = {
    # The provider's answer: without a state of this session it is refused, for everyone.
    "oidc:callback": Row(expect={"GET": statuses(anonymous=LOGIN, staff=LOGIN)}),
    # Only right after the logout of an OIDC session is there anything to show.
    "oidc:logged_out": Row(expect={"GET": statuses(anonymous=LOGIN, staff=LOGIN)}),
    "oidc:providers": Row(expect={"GET": ADMIN_PAGE}),
    "oidc:provider_edit": Row(
        expect={"GET": ADMIN_PAGE, "POST": ADMIN_POST},
        kwargs=lambda f: {"slug": f("district").slug},
        data=_provider_form,
        changes_state=True,
    ),
}
