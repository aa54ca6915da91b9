"""Session lifetime, the second-factor gate and cache headers."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import user_has_device

from . import access_log
from .models import AccessEvent

SESSION_STARTED_KEY = "cm_session_started"
SESSION_SEEN_KEY = "cm_session_seen"
# Writing the session on every request costs a query; a minute's precision is plenty.
_SEEN_GRANULARITY_SECONDS = 60

Middleware = Callable[[HttpRequest], HttpResponse]


def session_times_start(request: HttpRequest) -> None:
    now = int(time.time())
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_SEEN_KEY] = now


class SessionTimeoutMiddleware:
    """Ends a session after 30 minutes idle or 10 hours in all, on the server."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED_KEY, 0)
            seen = request.session.get(SESSION_SEEN_KEY, 0)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - seen > idle or now - started > absolute:
                access_log.record_request(request, action=AccessEvent.Action.SESSION_EXPIRED)
                logout(request)
                messages.info(request, _("You have been logged out. Please log in again."))
                return redirect_to_login(request.get_full_path())
            if now - seen >= _SEEN_GRANULARITY_SECONDS:
                request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


def allow_without_second_factor(view: Callable) -> Callable:
    """Marks a view a logged-in person may reach before passing the second factor."""
    view.allow_without_second_factor = True  # type: ignore[attr-defined]
    return view


class RequireTwoFactorMiddleware:
    """Nothing but enrolment, verification and logout before the TOTP code is given."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if getattr(view_func, "allow_without_second_factor", False):
            return None
        target = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_enrol"
        response = redirect(target)
        next_path = request.get_full_path()
        if request.method == "GET" and next_path != "/":
            response["Location"] += "?" + urlencode({"next": next_path})
        return response


class NoStoreForAuthenticatedMiddleware:
    """Pages are never stored by a browser or proxy: they may hold case data."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
