"""The personal calendar feed's secret link: made, revoked, and checked on each use.

The link is ``<feed id>.<secret>``: the id finds the row, and the secret's SHA-256 digest is
compared with the stored one by ``hmac.compare_digest`` (constant time), so neither a wrong
secret nor the database index tells an attacker how close a guess came. A new link revokes
the old one; a revoked link answers as a wrong one. Making, revoking and every use are in the
access log (the use under the feed's owner, so a leaked link shows up in their history).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from cm_portal import access_log
from cm_portal.models import AccessEvent, User

from ..models import CalendarFeed

Action = AccessEvent.Action
OBJECT_TYPE = "calendar_feed"
# Compared against when no row matches, so a missing feed costs the same as a wrong secret.
_NO_DIGEST = "0" * 64


def _log_feed(
    feed: CalendarFeed,
    action: str,
    actor: User,
    client_address: str | None,
    *,
    detail: str = "",
) -> None:
    """Log a step of a calendar feed (named by its id: the feed is the owner's own)."""
    access_log.record(
        action=action,
        actor=actor,
        client_address=client_address,
        object_type=OBJECT_TYPE,
        object_id=feed.pk,
        detail=detail,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def calendar_feed_create(*, user: User, client_address: str | None = None) -> str:
    """Make a new secret link for ``user`` (revoking any older one); returns the token,
    which is shown once and never stored."""
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # Lock the user's row: two clicks at once must not leave two working links.
        User.objects.select_for_update().filter(pk=user.pk).first()
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        feed = CalendarFeed(user=user, secret_digest=_digest(secret), created_at=now)
        feed.full_clean()
        feed.save(force_insert=True)
        _log_feed(feed, Action.CREATE, user, client_address)
    return f"{feed.pk}.{secret}"


def calendar_feed_revoke(*, user: User, client_address: str | None = None) -> int:
    """Revoke ``user``'s link: it stops working at once. Returns how many were revoked."""
    with transaction.atomic():
        feeds = list(
            CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        )
        for feed in feeds:
            feed.revoked_at = timezone.now()
            feed.save(update_fields=["revoked_at"])
            _log_feed(feed, Action.DEACTIVATE, user, client_address)
    return len(feeds)


def calendar_feed_find(token: str) -> CalendarFeed | None:
    """The working feed this token opens, or None (unknown, wrong secret or revoked)."""
    feed_id, dot, secret = token.partition(".")
    feed = None
    if dot and feed_id.isascii() and feed_id.isdigit() and len(feed_id) <= 18:
        feed = (
            CalendarFeed.objects.select_related("user", "user__organisation")
            .filter(pk=int(feed_id))
            .first()
        )
    stored = feed.secret_digest if feed is not None else _NO_DIGEST
    matches = hmac.compare_digest(stored, _digest(secret))
    if feed is None or not matches or not feed.is_active or not feed.user.is_active:
        return None
    return feed


def calendar_feed_use(
    *, feed: CalendarFeed, entries: int, client_address: str | None = None
) -> None:
    """Note a use of the feed: when, and in the access log under the owner's name."""
    with transaction.atomic():
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
        _log_feed(feed, Action.EXPORT, feed.user, client_address, detail=f"{entries} entries")
