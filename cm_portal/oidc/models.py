"""An organisation's identity provider, and the device that records its MFA assertion."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, DeviceManager

from cm_portal.models import Organisation


class IdentityProvider(models.Model):
    """OpenID Connect settings of one organisation. Endpoints come from discovery."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="identity_provider",
        verbose_name=_("organisation"),
    )
    enabled = models.BooleanField(_("staff log in through the identity provider"), default=False)
    issuer = models.URLField(_("issuer URL"), max_length=500)
    client_id = models.CharField(_("client id"), max_length=255)
    # Fernet token (secret_box); never rendered back into a form.
    client_secret_encrypted = models.TextField(blank=True)
    email_claim = models.CharField(_("claim with the e-mail address"), max_length=100)
    # Lower case, separated by spaces: the addresses the login page sends to this provider.
    email_domains = models.CharField(_("e-mail domains"), max_length=500)
    accept_amr_mfa = models.BooleanField(
        _("accept the provider's multi-factor authentication (amr contains mfa)"), default=False
    )
    # Separated by spaces; an ID token whose acr is one of these counts as multi-factor.
    accepted_acr_values = models.CharField(
        _("acr values that count as multi-factor"), max_length=500, blank=True
    )
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.organisation} ({self.issuer})"

    @property
    def domains(self) -> list[str]:
        return self.email_domains.split()

    @property
    def acr_values(self) -> list[str]:
        return self.accepted_acr_values.split()

    def asserts_mfa(self, claims: dict) -> bool:
        """Whether the ID token's claims show a multi-factor login this provider is trusted for."""
        amr = claims.get("amr") or []
        if isinstance(amr, str):
            amr = amr.split()
        if self.accept_amr_mfa and "mfa" in amr:
            return True
        acr = claims.get("acr")
        return bool(acr) and acr in self.acr_values


class _NoUserDevices(DeviceManager):
    # Not a factor the person holds: never offered for a code, never counted by
    # user_has_device(), so the TOTP enrolment and verification pages ignore it.
    def devices_for_user(self, user, confirmed=None):
        return self.none()


class IdentityProviderDevice(Device):
    """Stands for "the identity provider asserted multi-factor authentication".

    django-otp's middleware marks a session verified when it names a confirmed device of
    the user; the OIDC callback names this one only when the ID token asserted MFA that
    the organisation accepts, so the existing second-factor guard needs no change.
    """

    objects = _NoUserDevices()

    class Meta:
        verbose_name = _("identity provider login")
        default_permissions = ()

    def verify_token(self, token) -> bool:
        return False
