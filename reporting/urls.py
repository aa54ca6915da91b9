"""Reports for the steering group: the on-screen report, its PDFs and the exports."""

from django.urls import path

from .views import exports, final_report, pdfs, report

app_name = "reporting"

urlpatterns = [
    path("", report.report, name="report"),
    path("start/", report.start, name="start"),
    path("pdfs/", pdfs.pdf_list, name="pdf_list"),
    path("pdfs/new/", pdfs.pdf_request, name="pdf_request"),
    path("pdfs/<int:pk>/", pdfs.pdf_status, name="pdf_status"),
    path("pdfs/<int:pk>/download/", pdfs.pdf_download, name="pdf_download"),
    # The CSV exports take the period in the query, e.g. ?kind=project_quarter&n=3.
    path("export/statistics.csv", exports.export_csv, name="export_csv"),
    path("export/statistics.xlsx", exports.export_xlsx, name="export_xlsx"),
    path("export/intern-sip.csv", exports.export_intern_sip_csv, name="export_intern_sip_csv"),
    path("export/intern-sip.xlsx", exports.export_intern_sip_xlsx, name="export_intern_sip_xlsx"),
    path("export/account.csv", exports.export_account_csv, name="export_account_csv"),
    # The final report and the written account: kind is "final-report" or "written-account".
    path("closing/<slug:slug>/<slug:kind>/", final_report.closing_detail, name="closing"),
    path(
        "closing/<slug:slug>/<slug:kind>/start/",
        final_report.closing_start,
        name="closing_start",
    ),
    path(
        "closing/<slug:slug>/<slug:kind>/sections/<int:pk>/",
        final_report.closing_section_edit,
        name="closing_section",
    ),
    path(
        "closing/<slug:slug>/<slug:kind>/sections/<int:pk>/history/",
        final_report.closing_section_history,
        name="closing_section_history",
    ),
    path(
        "closing/<slug:slug>/<slug:kind>/approve/",
        final_report.closing_approve,
        name="closing_approve",
    ),
    path(
        "closing/<slug:slug>/<slug:kind>/document.pdf",
        final_report.closing_pdf_download,
        name="closing_pdf",
    ),
    path(
        "closing/<slug:slug>/<slug:kind>/account.csv",
        final_report.closing_csv_download,
        name="closing_csv",
    ),
    path(
        "closing/<slug:slug>/<slug:kind>/research.pdf",
        final_report.closing_research_file,
        name="closing_research_file",
    ),
]
