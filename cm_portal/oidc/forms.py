from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IdentityProvider
from .services import EDITABLE_FIELDS


class IdentityProviderForm(forms.ModelForm):
    """The administrator's settings; the client secret is write-only."""

    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        max_length=500,
        strip=True,
        # Never rendered back: an empty field keeps the stored secret.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the stored one."),
    )

    class Meta:
        model = IdentityProvider
        fields = list(EDITABLE_FIELDS)
        help_texts = {
            "issuer": _(
                "The provider's issuer, e.g. https://login.microsoftonline.com/<tenant id>/v2.0. "
                "The endpoints are read from its discovery document."
            ),
            "email_claim": _("Usually email; preferred_username or upn for Entra ID."),
            "email_domains": _(
                "The domains of your staff's addresses, separated by spaces, e.g. stockholm.se. "
                "The login page sends these addresses to the provider."
            ),
            "accept_amr_mfa": _(
                "When the provider says the person used more than one factor, the portal's "
                "own code is not asked for. Otherwise it is."
            ),
            "accepted_acr_values": _(
                "Separated by spaces, e.g. http://id.elegnamnden.se/loa/1.0/loa3. "
                "An ID token with one of these acr values counts as multi-factor too."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("email_claim", "email")
