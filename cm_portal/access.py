"""Who may use which staff-facing page. Case objects have their own access.py per app."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import AccountChangeRequest, Role, User
from .selectors import account_changes_to_decide


def role_required(*roles: str) -> Callable:
    """Only these roles may use the view; everyone else gets 403 (no object is named)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.user.role not in roles:  # type: ignore[union-attr]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


administrator_required = role_required(Role.ADMINISTRATOR)


def access_staff_member(user: User, pk: int) -> User:
    """An account an administrator manages; 404 for anyone else, as for one that does not
    exist (the staff pages' ``administrator_required`` answers 403 first: no object named)."""
    if not user.is_administrator:
        raise Http404
    return get_object_or_404(User.objects.select_related("organisation"), pk=pk)


def access_account_change(user: User, pk: int) -> AccountChangeRequest:
    """A pending account change this person may decide; 404 for anyone else (or once decided)."""
    return get_object_or_404(account_changes_to_decide(user), pk=pk)
