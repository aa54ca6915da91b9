"""Every write to identity providers, recorded in the access log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cm_portal import access_log
from cm_portal.models import AccessEvent, Organisation, User
from cm_portal.unset import UNSET, Unset, given

from . import secret_box
from .models import IdentityProvider, IdentityProviderDevice

EDITABLE_FIELDS = (
    "enabled",
    "issuer",
    "client_id",
    "email_claim",
    "email_domains",
    "accept_amr_mfa",
    "accepted_acr_values",
)


def _normalise_words(value: str) -> str:
    return " ".join(dict.fromkeys(value.replace(",", " ").split()))


def identity_provider_save(
    *,
    organisation: Organisation,
    actor: User,
    enabled: bool | Unset = UNSET,
    issuer: str | Unset = UNSET,
    client_id: str | Unset = UNSET,
    email_claim: str | Unset = UNSET,
    email_domains: str | Unset = UNSET,
    accept_amr_mfa: bool | Unset = UNSET,
    accepted_acr_values: str | Unset = UNSET,
    client_secret: str | None = None,
    client_address: str | None = None,
) -> IdentityProvider:
    """Create or change an organisation's provider. ``client_secret`` None keeps the stored one.

    The secret is stored encrypted and never returned; an e-mail domain may belong to one
    provider only, so the login page never has to choose between two.
    """
    values = given(
        enabled=enabled,
        issuer=issuer,
        client_id=client_id,
        email_claim=email_claim,
        email_domains=email_domains,
        accept_amr_mfa=accept_amr_mfa,
        accepted_acr_values=accepted_acr_values,
    )
    provider = IdentityProvider.objects.filter(organisation=organisation).first()
    provider = provider or IdentityProvider(organisation=organisation)
    if "email_domains" in values:
        values["email_domains"] = _normalise_words(str(values["email_domains"]).lower())
    if "accepted_acr_values" in values:
        values["accepted_acr_values"] = _normalise_words(str(values["accepted_acr_values"]))
    if "issuer" in values:
        values["issuer"] = str(values["issuer"]).strip().rstrip("/")
    changed = [field for field, value in values.items() if getattr(provider, field) != value]
    for field in changed:
        setattr(provider, field, values[field])
    if client_secret:
        provider.client_secret_encrypted = secret_box.encrypt(client_secret)
        changed.append("client_secret")
    if not provider.client_secret_encrypted:
        raise ValidationError({"client_secret": _("Enter the client secret.")})
    if not provider.domains:
        raise ValidationError({"email_domains": _("Enter at least one e-mail domain.")})
    taken = [
        domain
        for other in IdentityProvider.objects.exclude(organisation=organisation)
        for domain in other.domains
        if domain in provider.domains
    ]
    if taken:
        raise ValidationError(
            {
                "email_domains": _("Another organisation's provider already uses %(domains)s.")
                % {"domains": ", ".join(taken)}
            }
        )
    if not changed and provider.pk:
        return provider
    provider.updated_at = timezone.now()
    provider.full_clean(exclude=["organisation"])
    created = provider.pk is None
    with transaction.atomic():
        provider.save()
        access_log.record(
            action=AccessEvent.Action.CREATE if created else AccessEvent.Action.CHANGE,
            actor=actor,
            client_address=client_address,
            obj=provider,
            detail=",".join(changed),
            data=access_log.changes(changed),
        )
    return provider


def identity_provider_device_for(*, user: User) -> IdentityProviderDevice:
    """The second-factor device that stands for the provider's MFA, made on first use.

    The callback is a GET (the provider sends the browser back), so this one write of it
    is here, not in the view."""
    device, _created = IdentityProviderDevice.objects.get_or_create(
        user=user, defaults={"name": "identity provider", "confirmed": True}
    )
    return device
