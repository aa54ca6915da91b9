"""Reads of identity providers that the login page and the administration share."""

from __future__ import annotations

from django.db.models import QuerySet

from cm_portal.models import Organisation

from .models import IdentityProvider


def email_domain(email: str) -> str:
    return email.strip().rpartition("@")[2].lower()


def provider_for_email(email: str) -> IdentityProvider | None:
    """The enabled provider whose organisation's staff use addresses of this domain.

    Decided by the domain alone, never by whether an account exists: the login page must
    not tell who has an account.
    """
    domain = email_domain(email)
    if not domain or "@" not in email:
        return None
    for provider in IdentityProvider.objects.filter(enabled=True).select_related("organisation"):
        if domain in provider.domains:
            return provider
    return None


def organisations_with_providers() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("identity_provider").order_by("name")
