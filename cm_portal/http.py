"""Request types that django-stubs cannot infer on its own (for mypy; nothing here runs)."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request past the login and second-factor middleware: ``user`` is a staff account,
    never ``AnonymousUser`` (django-stubs' own advice for views behind a login)."""

    user: User
