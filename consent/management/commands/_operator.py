"""The staff account a case-file command acts as (--as EMAIL)."""

from __future__ import annotations

from django.core.management.base import CommandError

from cm_portal.models import User


def operator(email: str) -> User:
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None:
        raise CommandError(f"No active staff account with the e-mail {email!r} (--as).")
    return user
