"""The test provider for the whole session, and the portal organisation registered there."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from cm_portal.models import Role
from cm_portal.oidc import secret_box
from cm_portal.oidc.models import IdentityProvider

from ..conftest import _staff
from . import provider as test_provider

LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    provider, process = test_provider.start(tmp_path_factory.mktemp("oidc-provider"))
    yield provider
    process.terminate()
    try:
        process.wait(timeout=10)
    except Exception:  # pragma: no cover - a provider that ignores SIGTERM
        process.kill()
        process.wait()


@pytest.fixture
def charlie(district):
    """Here charlie works at the district, whose identity provider these tests configure
    (elsewhere he is at a third organisation, so that no consent covers him)."""
    return _staff("charlie@district.example", "Charlie Carlsson", district, Role.CASE_MANAGER)


@pytest.fixture
def district_idp(district, oidc_provider) -> IdentityProvider:
    """The district logs in through the test provider; amr=mfa is accepted, and loa3."""
    cache.clear()  # discovery is cached by provider pk, which the next test reuses
    return IdentityProvider.objects.create(
        organisation=district,
        enabled=True,
        issuer=oidc_provider.issuer,
        client_id=test_provider.CLIENT_ID,
        client_secret_encrypted=secret_box.encrypt(test_provider.CLIENT_SECRET),
        email_claim="email",
        email_domains="district.example",
        accept_amr_mfa=True,
        accepted_acr_values=LOA3,
    )
