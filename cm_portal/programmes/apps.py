from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    """Programmes (insatser/projekt): dates, phases, target group, entry paths, reporting
    periods and goals as data, so another district's programme needs no change of code."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "cm_portal.programmes"
    label = "programmes"
    verbose_name = _("Programmes")
