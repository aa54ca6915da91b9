"""Consent URLs. Every one is a participant's page: ``cm_portal/urls.py`` mounts them under
``participants/<int:pk>/`` (the participant is ``pk``, a consent ``consent_pk``, a PDF export
``export_pk``)."""

from django.urls import path

from . import views

app_name = "consent"

participant_patterns = [
    path("consents/", views.consent_list, name="list"),
    path("consents/new/", views.consent_create, name="create"),
    path("consents/<int:consent_pk>/withdraw/", views.consent_withdraw, name="withdraw"),
    path("consents/<int:consent_pk>/scan/", views.consent_scan, name="scan"),
    path("export.json", views.case_file_export, name="export_json"),
    path("export-pdf/", views.export_pdf_request, name="export_pdf_request"),
    path("export-pdf/<int:export_pk>/", views.export_pdf_status, name="export_pdf_status"),
    path(
        "export-pdf/<int:export_pk>/download/",
        views.export_pdf_download,
        name="export_pdf_download",
    ),
]
