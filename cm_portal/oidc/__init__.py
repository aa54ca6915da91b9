"""Login through an organisation's own identity provider (OpenID Connect).

Each organisation may register one provider; its staff are then sent there from the login
page and matched by e-mail to their existing account. The flow, PKCE, state and nonce come
from mozilla-django-oidc; what is per organisation (endpoints, client, which assertion of
multi-factor authentication is accepted) is read from :class:`IdentityProvider`.
"""
