from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "reporting.research"
    label = "research"
    verbose_name = _("Research data")

    def ready(self) -> None:
        from cm_portal import pdf

        from . import services
        from .models import ResearchExport

        pdf.register(
            ResearchExport,
            # Looked up at run time, so tests can replace the service.
            render=lambda export: services.research_export_render(export),
            stored=lambda export: services.research_export_stored(export),
            related=("agreement", "requested_by"),
        )
