"""Stable pseudonyms per data-sharing agreement: a keyed hash of the participant.

Each agreement has its own random secret (``new_secret``), kept encrypted in the database
(``seal``/``unseal``, a key derived from ``SECRET_KEY`` as for the identity providers'
secrets) and never shown on a page, in a form, in the admin or in a log. The pseudonym of a
participant is HMAC-SHA256 of the participant's primary key under that secret: the same in
every export of the agreement, unrelated to the one under any other agreement, and without
the secret nobody (not even someone with a database dump) can tell which participant it is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_BYTES = 32
# 16 hex digits (64 bits): a collision among a programme's participants is not to be expected.
PSEUDONYM_LENGTH = 16
_INFO = b"cm-portal research agreement pseudonym secret"


def _fernet() -> Fernet:
    material = settings.SECRET_KEY.encode()
    if not material:
        raise ImproperlyConfigured("SECRET_KEY is needed to store the research secrets.")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def seal(secret: bytes) -> str:
    return _fernet().encrypt(secret).decode()


def unseal(token: str) -> bytes:
    try:
        return _fernet().decrypt(token.encode())
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A research agreement's secret cannot be decrypted: was SECRET_KEY changed?"
        ) from error


def pseudonym(secret: bytes, participant_id: int) -> str:
    digest = hmac.new(secret, f"participant:{participant_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_LENGTH]
