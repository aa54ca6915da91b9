from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from participants.retention import before_deletion

        from .retention import freeze_periods_counting

        before_deletion(freeze_periods_counting)
