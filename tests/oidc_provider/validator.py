"""django-oauth-toolkit's validator, with the claims the portal reads and faults on demand.

The part of the user name after the first dot chooses: ``mfa`` asserts multi-factor
authentication (``amr``), ``loa3`` an ``acr`` value; ``aud``, ``iss``, ``expired``, ``badsig`` and
``nononce`` make the provider sign an ID token that a correct client must refuse (another
audience or issuer; expired an hour ago; signed with a key not in the JWKS; without the nonce).
"""

from __future__ import annotations

import base64
import json
import time

from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
FAULTS = {"aud", "iss", "expired", "badsig", "nononce"}


def _tag(request) -> str:
    return request.user.username.partition(".")[2]


def _part(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


class FaultyOnPurposeValidator(OAuth2Validator):
    # Every claim below goes into the ID token whatever the scopes.
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        tag = _tag(request)
        claims = {
            "email": request.user.email,
            "preferred_username": request.user.username,
            "amr": ["pwd", "mfa"] if tag == "mfa" else ["pwd"],
        }
        if tag == "loa3":
            claims["acr"] = LOA3
        return claims

    def finalize_id_token(self, id_token, token, token_handler, request):
        serialized = super().finalize_id_token(id_token, token, token_handler, request)
        fault = _tag(request)
        if fault not in FAULTS:
            return serialized
        header_segment, claims_segment, _signature = serialized.split(".")
        header, claims = _part(header_segment), _part(claims_segment)
        key = request.client.jwk_key
        if fault == "aud":
            claims["aud"] = "some-other-client"
        elif fault == "iss":
            claims["iss"] = "http://127.0.0.1:1/another-issuer"
        elif fault == "expired":
            claims["iat"] = int(time.time()) - 7200
            claims["exp"] = int(time.time()) - 3600
        elif fault == "nononce":
            claims.pop("nonce", None)
        elif fault == "badsig":
            # Same key id, another key: only the signature check can tell.
            key = jwk.JWK.generate(kty="RSA", size=2048)
        forged = jwt.JWT(header=header, claims=claims)
        forged.make_signed_token(key)
        return forged.serialize()
