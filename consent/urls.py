from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("participant/<int:participant_pk>/", views.consent_list, name="list"),
    path("participant/<int:participant_pk>/new/", views.consent_create, name="create"),
    path(
        "participant/<int:participant_pk>/export.json", views.case_file_export, name="export_json"
    ),
    path(
        "participant/<int:participant_pk>/export-pdf/",
        views.export_pdf_request,
        name="export_pdf_request",
    ),
    path("export/<int:pk>/", views.export_pdf_status, name="export_pdf_status"),
    path("export/<int:pk>/download/", views.export_pdf_download, name="export_pdf_download"),
    path("<int:pk>/withdraw/", views.consent_withdraw, name="withdraw"),
    path("<int:pk>/scan/", views.consent_scan, name="scan"),
]
