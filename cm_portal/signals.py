"""Login, logout and failed logins go to the access log from the first day."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import access_log
from .middleware import session_times_start
from .models import AccessEvent, StaffSession, User

Action = AccessEvent.Action


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    session_times_start(request)
    request.session.save()  # gives a session key to tie to this account
    StaffSession.objects.get_or_create(session_key=request.session.session_key, user=user)
    access_log.record_request(request, action=Action.LOGIN, actor=user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    if request is not None and request.session.session_key:
        StaffSession.objects.filter(session_key=request.session.session_key).delete()
    access_log.record_request(request, action=Action.LOGOUT, actor=user)


def _account_named(credentials: dict) -> User | None:
    # Only a name that is a real account is kept: a mistyped password in the e-mail
    # field must never end up in an append-only log.
    username = (credentials or {}).get("username") or ""
    return User.objects.filter(email__iexact=username.strip()).first() if username else None


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    account = _account_named(credentials)
    access_log.record_request(
        request,
        action=Action.LOGIN_FAILED,
        actor=account,
        detail="" if account else "unknown account",
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    account = _account_named({"username": username})
    access_log.record_request(request, action=Action.LOCKED_OUT, actor=account)
