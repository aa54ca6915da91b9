"""mozilla-django-oidc's backend, with its settings read from an organisation's provider.

The library checks the ID token's signature (against the provider's JWKS) and nonce; this
subclass adds the issuer, audience and expiry checks, reads the e-mail from the claim the
administrator named, and never creates an account: a login is matched to an existing,
active account of the provider's own organisation or refused with a reason.
"""

from __future__ import annotations

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from cm_portal.models import User

from . import secret_box
from .models import IdentityProvider

BACKEND_PATH = "cm_portal.oidc.backend.OrganisationOIDCBackend"
DISCOVERY_CACHE_SECONDS = 3600
HTTP_TIMEOUT_SECONDS = 10
# Clocks of the portal and the provider may differ a little.
LEEWAY_SECONDS = 60
REQUIRED_ID_TOKEN_CLAIMS = ["iss", "aud", "exp", "iat", "sub"]


class LoginRefused(Exception):
    """The provider's answer is not a login to accept; ``reason`` goes to the access log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _discovery_key(provider: IdentityProvider) -> str:
    return f"oidc-discovery:{provider.pk}:{provider.issuer.rstrip('/')}"


def cached_discovery(provider: IdentityProvider) -> dict | None:
    return cache.get(_discovery_key(provider))


def discovery(provider: IdentityProvider) -> dict:
    """The provider's OpenID configuration (cached an hour); its issuer must be ours."""
    issuer = provider.issuer.rstrip("/")
    key = _discovery_key(provider)
    config = cache.get(key)
    if config is None:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=HTTP_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        config = response.json()
        if config.get("issuer", "").rstrip("/") != issuer:
            raise ImproperlyConfigured("The provider's discovery names another issuer.")
        cache.set(key, config, DISCOVERY_CACHE_SECONDS)
    return config


def provider_settings(provider: IdentityProvider) -> dict:
    """mozilla-django-oidc's settings for this provider."""
    config = discovery(provider)
    algorithms = config.get("id_token_signing_alg_values_supported") or ["RS256"]
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": config["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": config["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": config.get("userinfo_endpoint"),
        "OIDC_OP_JWKS_ENDPOINT": config["jwks_uri"],
        "OIDC_OP_END_SESSION_ENDPOINT": config.get("end_session_endpoint"),
        "OIDC_RP_CLIENT_ID": provider.client_id,
        "OIDC_RP_CLIENT_SECRET": secret_box.decrypt(provider.client_secret_encrypted),
        # Asymmetric only: with HS256 the client secret would be the signing key.
        "OIDC_RP_SIGN_ALGO": "RS256" if "RS256" in algorithms else algorithms[0],
        "OIDC_RP_SCOPES": "openid email profile",
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_CREATE_USER": False,
        "OIDC_STORE_ID_TOKEN": True,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_VERIFY_KID": True,
        "OIDC_TIMEOUT": HTTP_TIMEOUT_SECONDS,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc:callback",
        "OIDC_REDIRECT_FIELD_NAME": "next",
    }


class ProviderSettingsMixin:
    """``get_settings`` of the library's classes, answered from one provider."""

    provider_config: dict

    def get_settings(self, attr, *args):
        if attr in self.provider_config:
            return self.provider_config[attr]
        if args:
            return getattr(settings, attr, args[0])
        raise ImproperlyConfigured(f"{attr} is not set for this identity provider.")


class OrganisationOIDCBackend(ProviderSettingsMixin, OIDCAuthenticationBackend):
    """Authenticates the answer of one organisation's provider; see the module docstring."""

    def __init__(self, provider: IdentityProvider | None = None, *args, **kwargs) -> None:
        self.provider = provider
        self.claims: dict = {}
        self.UserModel = User
        if provider is None:
            # Loaded by django.contrib.auth for get_user() and for password logins, which
            # it hands to every backend: nothing to configure, nothing to authenticate.
            self.provider_config = {}
            return
        self.provider_config = provider_settings(provider)
        super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if self.provider is None:
            return None
        return super().authenticate(request, **kwargs)

    @property
    def configured(self) -> IdentityProvider:
        """The provider of an authenticating backend (only the bare one of get_user has none)."""
        if self.provider is None:
            raise ImproperlyConfigured("This backend was made without an identity provider.")
        return self.provider

    def get_user(self, user_id):
        # The library's get_user() ignores is_active; ModelBackend's does not.
        return PasswordBackend().get_user(user_id)

    def _verify_jws(self, payload, key):
        # The library verifies the signature (and exp when present) with audience checks
        # off; the issuer, the audience and the presence of exp are checked here.
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The ID token is signed with another algorithm.")
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.configured.issuer.rstrip("/"),
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_ID_TOKEN_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise LoginRefused("id token expired") from error
        except jwt.InvalidAudienceError as error:
            raise LoginRefused("id token audience") from error
        except jwt.InvalidIssuerError as error:
            raise LoginRefused("id token issuer") from error
        except jwt.InvalidSignatureError as error:
            raise LoginRefused("id token signature") from error
        except jwt.InvalidTokenError as error:
            raise LoginRefused("id token invalid") from error
        audience = claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise LoginRefused("id token azp")
        return claims

    def verify_token(self, token, **kwargs):
        try:
            return super().verify_token(token, **kwargs)
        except SuspiciousOperation as error:
            # The library's nonce mismatch, an unknown key id, a wrong algorithm.
            raise LoginRefused(f"id token: {error}"[:100]) from error

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims; the e-mail from the userinfo endpoint if the token lacks it."""
        claims = dict(payload)
        claim = self.configured.email_claim
        if not claims.get(claim) and self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") == claims.get("sub"):
                claims[claim] = userinfo.get(claim)
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        """The existing, active account of this organisation; never a new one."""
        self.claims = self.get_userinfo(access_token, id_token, payload)
        email = self.claims.get(self.configured.email_claim)
        if not isinstance(email, str) or not email.strip():
            raise LoginRefused("no e-mail claim")
        matches = list(User.objects.filter(email__iexact=email.strip()))
        if not matches:
            raise LoginRefused("no account")
        if len(matches) > 1:
            raise LoginRefused("several accounts")
        user = matches[0]
        if user.organisation_id != self.configured.organisation_id:
            raise LoginRefused("account of another organisation")
        if not user.is_active:
            raise LoginRefused("account deactivated")
        return user

    @property
    def mfa_asserted(self) -> bool:
        return self.configured.asserts_mfa(self.claims)


class PasswordBackend(ModelBackend):
    """ModelBackend that refuses the password of staff whose organisation logs in elsewhere.

    Only the login is refused: a session begun with the password before the switch lasts
    until its own limits, so an administrator who switches their own organisation is not
    thrown out in the middle of it.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        uses_provider = IdentityProvider.objects.filter(
            organisation_id=user.organisation_id, enabled=True
        ).exists()
        return None if uses_provider else user

    def get_user(self, user_id):
        """The session's user with their organisation in the same query: every page reads it
        (the header, the access log), which cost a query of its own."""
        try:
            user = User._default_manager.select_related("organisation").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
