from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmPortalConfig(AppConfig):
    name = "cm_portal"
    verbose_name = _("CM portal")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the access-log receivers)
