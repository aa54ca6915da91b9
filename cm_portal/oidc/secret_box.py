"""The client secrets of identity providers, encrypted at rest (Fernet).

The key is ``OIDC_SECRET_KEY`` (or ``OIDC_SECRET_KEY_FILE``) when set, else derived from
``SECRET_KEY``: a database dump alone never reveals a client secret.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_INFO = b"cm-portal identity provider client secret"


def _fernet() -> Fernet:
    material = (getattr(settings, "OIDC_SECRET_KEY", "") or settings.SECRET_KEY).encode()
    if not material:
        raise ImproperlyConfigured("OIDC_SECRET_KEY or SECRET_KEY is needed to store secrets.")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The plain secret; ImproperlyConfigured if the key changed since it was stored."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "An identity provider's client secret cannot be decrypted: was OIDC_SECRET_KEY "
            "or SECRET_KEY changed? Enter the secret again."
        ) from error
