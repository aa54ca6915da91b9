from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmPortalConfig(AppConfig):
    name = "cm_portal"
    verbose_name = _("CM portal")

    def ready(self) -> None:
        from django.db.models import fields

        from . import signals  # noqa: F401  (connects the access-log receivers)

        # The empty choice of every select (Django's "- Select an option -" has no Swedish
        # translation in Django itself): Django asks to set it here (issue 17).
        fields.BLANK_CHOICE_LABEL = _("- Choose -")
