from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent")

    def ready(self) -> None:
        from cm_portal import pdf

        from .case_files import right_of_access
        from .models import ParticipantExport

        pdf.register(
            ParticipantExport,
            # Looked up at run time, so tests can replace the service.
            render=lambda export: right_of_access.participant_export_pdf(export.participant),
            related=("participant",),
        )
