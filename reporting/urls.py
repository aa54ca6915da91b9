"""Reports for the steering group: the on-screen report, its PDFs and the exports."""

from django.urls import path

from .views import exports, pdfs, report

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
]
