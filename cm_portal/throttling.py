"""What django-axes counts failed logins by (security.md 8 and 31).

Axes locks a login when the failures within ``AXES_COOLOFF_TIME`` reach
``AXES_FAILURE_LIMIT`` for any one of ``AXES_LOCKOUT_PARAMETERS``: the account whatever the
address (one account attacked from many addresses), or the address whatever the account
(password spraying from one address). Three pieces make those counts honest:

- the e-mail address is counted in one spelling (``Omar.Haddad@`` and ``omar.haddad@`` are
  one account, as the login itself treats them);
- the address is the client's, not the reverse proxy's (with every request seeming to come
  from the proxy, the per-address count would lock everyone out at once);
- a successful login forgives only that account's failures, never the address's: with axes'
  own reset every failure from the address would be forgotten, so a sprayer with one
  account of their own (or a colleague behind the same office address) could wipe the count
  by logging in between rounds.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest

USERNAME_FIELD = "username"


def normalised_username(username: object) -> str | None:
    """The e-mail address as the account stores it: stripped, in lower case."""
    if username is None:
        return None
    return str(username).strip().lower()


def axes_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the typed e-mail address, normalised before axes counts it."""
    if credentials:
        return normalised_username(credentials.get(USERNAME_FIELD))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalised_username(data.get(USERNAME_FIELD))


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address behind ``PROXY_COUNT`` reverse proxies.

    Each proxy appends the address it received the request from to X-Forwarded-For, so
    with N proxies of ours the client is the N-th entry from the right; anything further
    left was written by the client and is not believed. Without proxies, or with a header
    shorter than that (a misconfigured proxy), REMOTE_ADDR.
    """
    count = settings.PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR") or None
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


class AxesHandler(AxesDatabaseHandler):
    """Axes' database handler, except that success forgives the account, not the address."""

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = axes_username(request, credentials)
        if not username:
            return 0
        deleted, _by_model = AccessAttempt.objects.filter(username=username).delete()
        return deleted
