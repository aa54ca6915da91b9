from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent")

    def ready(self) -> None:
        from cm_portal import pdf

        from .case_files import pdf as case_file_pdf
        from .models import ParticipantExport

        pdf.register(
            ParticipantExport,
            # Looked up at run time, so tests can replace the service.
            render=lambda export: case_file_pdf.participant_export_pdf(export.participant),
            related=("participant",),
        )
