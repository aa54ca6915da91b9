from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from participants.retention import before_deletion

        from .retention import freeze_periods_counting

        before_deletion(freeze_periods_counting)
        _register_reports()


def _register_reports() -> None:
    from cm_portal import pdf

    from . import final_report, services
    from .models import ClosingPdf, SteeringReport

    pdf.register(
        SteeringReport,
        # Looked up at run time, so tests can replace the service.
        render=lambda report: services.steering_report_pdf(report),
        stored=lambda report: services.steering_report_stored(report),
        related=("requested_by",),
    )
    pdf.register(
        ClosingPdf,
        render=lambda row: final_report.closing_pdf_render(row),
        stored=lambda row: final_report.closing_pdf_stored(row),
        related=("document__programme", "document__organisation"),
    )
