from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OidcConfig(AppConfig):
    name = "cm_portal.oidc"
    label = "oidc"
    verbose_name = _("Identity providers")
    default_auto_field = "django.db.models.BigAutoField"
